#!/usr/bin/env bash
# Regenerates root/, the rpm fixture of tests/unit/test_sbom_rpm.c and test_sbom.sh: a real
# rpmdb.sqlite (rpm 4.18's sqlite backend, WAL mode as Fedora ships it) with five packages
# built here by rpmbuild and installed with --justdb, plus the files they own and a Fedora 40
# /etc/os-release. Needs Debian's `rpm` package (rpm, rpmbuild, rpmkeys) and gpg; the test
# suite does not: root/ is committed. Run from anywhere; writes only root/.
#
# Packages: hello (x86_64, SPDX licence, vendor, a %config file), dbus-libs (Epoch 1),
# python3-six (noarch, owns a dist-info), legacy-tool (old Fedora licence names, a
# modularity label, no vendor) and a gpg-pubkey entry (rpm --import of a fresh key).
# Same packages and files every run; the bytes of the DB differ (install times, the key).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root="$here/root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export SOURCE_DATE_EPOCH=946684800 LC_ALL=C

# ---- the payload: the files the packages own, also copied into root/ ----
p="$tmp/payload"
sp=usr/lib/python3.12/site-packages
mkdir -p "$p/usr/bin" "$p/etc" "$p/usr/share/doc/hello" "$p/usr/lib64" \
	"$p/$sp/six-1.16.0.dist-info" "$p/usr/libexec/legacy"
printf '#!/bin/sh\necho "Hello, world!"\n' >"$p/usr/bin/hello"
chmod 755 "$p/usr/bin/hello"
printf 'greeting=Hello\n' >"$p/etc/hello.conf"
printf 'GNU hello, a placeholder for the tests of sigil sbom.\n' >"$p/usr/share/doc/hello/README"
printf 'placeholder for libdbus-1.so.3.32.4\n' >"$p/usr/lib64/libdbus-1.so.3.32.4"
ln -s libdbus-1.so.3.32.4 "$p/usr/lib64/libdbus-1.so.3"
cat >"$p/$sp/six-1.16.0.dist-info/METADATA" <<'M'
Metadata-Version: 2.1
Name: six
Version: 1.16.0
Summary: Python 2 and 3 compatibility utilities
Home-page: https://github.com/benjaminp/six
Author: Benjamin Peterson
Author-email: benjamin@python.org
License: MIT
Classifier: License :: OSI Approved :: MIT License
Requires-Python: >=2.7, !=3.0.*, !=3.1.*, !=3.2.*

Six is a Python 2 and 3 compatibility library.
M
printf 'rpm\n' >"$p/$sp/six-1.16.0.dist-info/INSTALLER"
printf 'six\n' >"$p/$sp/six-1.16.0.dist-info/top_level.txt"
printf '"""Utilities for writing code that runs on Python 2 and 3"""\n__version__ = "1.16.0"\n' \
	>"$p/$sp/six.py"
cat >"$p/$sp/six-1.16.0.dist-info/RECORD" <<'R'
six-1.16.0.dist-info/INSTALLER,,
six-1.16.0.dist-info/METADATA,,
six-1.16.0.dist-info/RECORD,,
six-1.16.0.dist-info/top_level.txt,,
six.py,,
R
printf '#!/bin/sh\nexit 0\n' >"$p/usr/libexec/legacy/legacy-tool"
chmod 755 "$p/usr/libexec/legacy/legacy-tool"

# ---- spec files ----
spec() { # NAME PATH...: the preamble and %files come on stdin; %install copies the PATHs
	local name=$1 f
	shift
	{
		printf 'AutoReqProv: no\n'
		cat
		printf '%%install\n'
		for f in "$@"; do
			printf 'mkdir -p %%{buildroot}/%s\ncp -a %s/%s %%{buildroot}/%s\n' \
				"$(dirname "$f")" "$p" "$f" "$(dirname "$f")"
		done
	} >"$tmp/$name.spec"
}
spec hello usr/bin/hello etc/hello.conf usr/share/doc/hello/README <<'S'
Name: hello
Version: 2.12.1
Release: 3.fc40
Summary: Prints a familiar, friendly greeting
License: GPL-3.0-or-later
Vendor: Fedora Project
URL: https://www.gnu.org/software/hello/
%description
The GNU Hello program produces a familiar, friendly greeting.
%files
/usr/bin/hello
%config(noreplace) /etc/hello.conf
%dir /usr/share/doc/hello
%doc /usr/share/doc/hello/README
S
spec dbus-libs usr/lib64/libdbus-1.so.3 usr/lib64/libdbus-1.so.3.32.4 <<'S'
Name: dbus-libs
Epoch: 1
Version: 1.14.10
Release: 3.fc40
Summary: Libraries for accessing D-BUS
License: (AFL-2.1 OR GPL-2.0-or-later) AND GPL-2.0-or-later
Vendor: Fedora Project
%description
Lowlevel libraries for accessing D-BUS.
%files
/usr/lib64/libdbus-1.so.3
/usr/lib64/libdbus-1.so.3.32.4
S
spec python3-six $sp/six-1.16.0.dist-info $sp/six.py <<'S'
Name: python3-six
Version: 1.16.0
Release: 14.fc40
Summary: Python 2 and 3 compatibility utilities
License: MIT
Vendor: Fedora Project
BuildArch: noarch
%description
Six is a Python 2 and 3 compatibility library.
%files
%dir /usr/lib/python3.12/site-packages/six-1.16.0.dist-info
/usr/lib/python3.12/site-packages/six-1.16.0.dist-info/INSTALLER
/usr/lib/python3.12/site-packages/six-1.16.0.dist-info/METADATA
/usr/lib/python3.12/site-packages/six-1.16.0.dist-info/RECORD
/usr/lib/python3.12/site-packages/six-1.16.0.dist-info/top_level.txt
/usr/lib/python3.12/site-packages/six.py
S
spec legacy-tool usr/libexec/legacy/legacy-tool <<'S'
Name: legacy-tool
Version: 0.9
Release: 3.module+el8.9.0+1234+abcdef12
Summary: A tool with a licence in old Fedora short names
License: GPLv2+ and ASL 2.0 and Public Domain
%description
Built with a modularity label, as RHEL 8 module streams are.
%files
%dir /usr/libexec/legacy
/usr/libexec/legacy/legacy-tool
S

# ---- build, install into an sqlite rpmdb ----
defs=(--define "_topdir $tmp/top" --define "_buildhost fixture.sigil.test"
	--define "use_source_date_epoch_as_buildtime 1" --define "clamp_mtime_to_source_date_epoch 1"
	--define "_build_id_links none" --define "debug_package %{nil}" --define "__os_install_post %{nil}")
for s in hello dbus-libs python3-six; do
	rpmbuild -bb --quiet "${defs[@]}" "$tmp/$s.spec" >/dev/null
done
rpmbuild -bb --quiet "${defs[@]}" --define "modularitylabel legacy:1.0:8090020231101000000:abcdef12" \
	"$tmp/legacy-tool.spec" >/dev/null
db="$tmp/db"
mkdir -p "$db"
rpm --dbpath "$db" --define "_db_backend sqlite" --initdb
# (Debian's rpm says to use alien instead; --justdb is what we want)
rpm --dbpath "$db" --define "_db_backend sqlite" -i --justdb --nodeps --ignorearch --ignoreos \
	--nosignature --nodigest "$tmp"/top/RPMS/*/*.rpm 2>&1 | grep -v 'use Alien\|know what you are doing' >&2 || true
export GNUPGHOME="$tmp/gnupg"
mkdir -m 700 "$GNUPGHOME"
gpg --batch --quiet --passphrase '' --quick-gen-key "Sigil Fixture Signing Key <fixture@sigil.test>" \
	rsa2048 sign never 2>/dev/null
gpg --batch --armor --export fixture@sigil.test >"$tmp/key.asc"
rpmkeys --dbpath "$db" --define "_db_backend sqlite" --import "$tmp/key.asc"
# fold the write-ahead log into the file (rpm keeps the DB in WAL mode, as Fedora's is)
sqlite3 "$db/rpmdb.sqlite" 'PRAGMA wal_checkpoint(TRUNCATE);' 'VACUUM;' >/dev/null
rpm --dbpath "$db" -qa --qf '%{NEVRA} %{LICENSE}\n' | sort

# ---- root/ ----
rm -rf "$root"
mkdir -p "$root/usr/lib/sysimage/rpm" "$root/var/lib" "$root/etc"
cp -a "$p/." "$root/"
cp "$db/rpmdb.sqlite" "$root/usr/lib/sysimage/rpm/rpmdb.sqlite"
ln -s ../../usr/lib/sysimage/rpm "$root/var/lib/rpm" # as on Fedora >= 36
cat >"$root/etc/os-release" <<'O'
NAME="Fedora Linux"
VERSION="40 (Container Image)"
ID=fedora
VERSION_ID=40
VERSION_CODENAME=""
PLATFORM_ID="platform:f40"
PRETTY_NAME="Fedora Linux 40 (Container Image)"
ANSI_COLOR="0;38;2;60;110;180"
LOGO=fedora-logo-icon
CPE_NAME="cpe:/o:fedoraproject:fedora:40"
DEFAULT_HOSTNAME="fedora"
HOME_URL="https://fedoraproject.org/"
SUPPORT_URL="https://ask.fedoraproject.org/"
BUG_REPORT_URL="https://bugzilla.redhat.com/"
VARIANT="Container Image"
VARIANT_ID=container
O
