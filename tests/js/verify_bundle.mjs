// Verifies a sigstore bundle with a public key using sigstore-js (@sigstore/verify), an
// implementation independent of sigil: no TUF, no transparency log, no timestamps.
//   node verify_bundle.mjs --bundle B.json --key PUB.pem [--digest sha256:HEX] [--artifact FILE]
// DSSE bundles: the signature over PAE, and with --digest, that some statement subject has it.
// Message-signature bundles: the signature over the artifact (--artifact, or --digest when the
// key is ECDSA and only the digest is known). Prints "verified" or "error: ..." (exit 1).
import { readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';

function args(argv) {
  const a = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`);
    a[argv[i].slice(2)] = argv[i + 1];
  }
  if (!a.bundle || !a.key) throw new Error('--bundle and --key are required');
  return a;
}

try {
  const a = args(process.argv.slice(2));
  const bundle = bundleFromJSON(JSON.parse(readFileSync(a.bundle, 'utf8')));
  const key = createPublicKey(readFileSync(a.key));
  // An empty trusted root: the only trust is the key, whatever hint the bundle carries.
  const root = { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };
  const trust = toTrustMaterial(root, () => ({ publicKey: key, validFor: () => true }));
  const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  const artifact = a.artifact ? readFileSync(a.artifact) : undefined;
  const content = bundle.content;
  if (content.$case === 'messageSignature' && !artifact) {
    throw new Error('a message-signature bundle needs --artifact');
  }
  verifier.verify(toSignedEntity(bundle, artifact));
  if (a.digest && content.$case === 'dsseEnvelope') {
    const [alg, hex] = a.digest.split(':');
    const st = JSON.parse(Buffer.from(content.dsseEnvelope.payload).toString('utf8'));
    if (!st.subject.some((s) => s.digest && s.digest[alg] === hex)) {
      throw new Error(`no statement subject has digest ${a.digest}`);
    }
  }
  if (a.digest && content.$case === 'messageSignature') {
    const want = Buffer.from(a.digest.split(':')[1], 'hex');
    if (!Buffer.from(content.messageSignature.messageDigest.digest).equals(want)) {
      throw new Error(`messageDigest is not ${a.digest}`);
    }
  }
  console.log('verified');
} catch (err) {
  console.error(`error: ${err.message}`);
  process.exit(1);
}
