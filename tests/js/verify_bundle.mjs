// Verifies a sigstore bundle with a public key using sigstore-js (@sigstore/verify), an
// implementation independent of sigil: no TUF, no transparency log, no timestamps.
//
//   node verify_bundle.mjs --bundle B.json --key PUB.pem [--digest ALG:HEX] [--artifact FILE]
//                          [--check-hint]
//
// The bundle is parsed and checked for its media type's rules by @sigstore/bundle
// (bundleFromJSON), then verified by @sigstore/verify's Verifier over trust material made by
// toTrustMaterial from an empty trusted root and a key finder that returns PUB.pem whatever the
// hint (as cosign does with --key), with tlogThreshold, ctlogThreshold and tsaThreshold 0.
// A bundle that carries tlog entries or RFC 3161 timestamps fails: nothing here can check them.
//
// DSSE bundles: the signature over PAE(payloadType, payload). With --digest, the payload must be
// an in-toto statement (payloadType application/vnd.in-toto+json) one of whose subjects has
// that digest; --artifact FILE is the same with the FILE's sha256.
// Message-signature bundles: --artifact FILE is required (sigstore-js verifies the signature
// over the artifact bytes and cannot take a digest in their place); the messageDigest must be
// SHA2_256 of FILE, and with --digest it must also equal ALG:HEX (ALG sha256).
// --check-hint: the bundle's publicKey hint must be cosign's for PUB.pem,
// base64std(SHA-256(PKIX DER)).
// The checks on statement subjects, messageDigest and hint are this script's own (JS); the
// signature and bundle checks are sigstore-js's.
//
// Prints "verified" and exits 0, or "error: <message>" on stderr and exits 1.
import { readFileSync } from 'node:fs';
import { createHash, createPublicKey } from 'node:crypto';
import { parseArgs } from 'node:util';
import { bundleFromJSON } from '@sigstore/bundle';
import { HashAlgorithm, TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';

const INTOTO = 'application/vnd.in-toto+json';
const STATEMENT_TYPES = ['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1'];

function parseDigest(s) {
  const m = /^([a-z0-9]+):([0-9a-f]+)$/.exec(s);
  if (!m) throw new Error(`bad digest ${s} (want ALG:lowercase-hex)`);
  return { alg: m[1], hex: m[2] };
}

function checkSubjects(envelope, wants) {
  if (envelope.payloadType !== INTOTO) {
    throw new Error(`payloadType is ${envelope.payloadType}, not ${INTOTO}: no statement subjects to check`);
  }
  let st;
  try {
    st = JSON.parse(Buffer.from(envelope.payload).toString('utf8'));
  } catch (e) {
    throw new Error(`payload is not JSON: ${e.message}`);
  }
  if (!STATEMENT_TYPES.includes(st._type)) throw new Error(`payload _type ${st._type} is not an in-toto statement`);
  if (!Array.isArray(st.subject) || st.subject.length === 0) throw new Error('statement has no subject');
  for (const { alg, hex } of wants) {
    if (!st.subject.some((s) => s && s.digest && s.digest[alg] === hex)) {
      throw new Error(`no statement subject has digest ${alg}:${hex}`);
    }
  }
}

function main(argv) {
  const { values: a } = parseArgs({
    args: argv,
    strict: true,
    options: {
      bundle: { type: 'string' },
      key: { type: 'string' },
      digest: { type: 'string' },
      artifact: { type: 'string' },
      'check-hint': { type: 'boolean', default: false },
    },
  });
  if (!a.bundle || !a.key) throw new Error('usage: verify_bundle.mjs --bundle B.json --key PUB.pem [--digest ALG:HEX] [--artifact FILE] [--check-hint]');
  const digest = a.digest ? parseDigest(a.digest) : undefined;
  const artifact = a.artifact ? readFileSync(a.artifact) : undefined;
  const key = createPublicKey(readFileSync(a.key));
  const bundle = bundleFromJSON(JSON.parse(readFileSync(a.bundle, 'utf8')));

  if (a['check-hint']) {
    const want = createHash('sha256').update(key.export({ type: 'spki', format: 'der' })).digest('base64');
    const vm = bundle.verificationMaterial.content;
    if (vm.$case !== 'publicKey') throw new Error(`verification material is ${vm.$case}, not publicKey`);
    if (vm.publicKey.hint !== want) throw new Error(`hint ${JSON.stringify(vm.publicKey.hint)} is not ${want}`);
  }

  // An empty trusted root: the only trust is the key, whatever hint the bundle carries.
  const root = TrustedRoot.fromJSON({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [],
  });
  const trust = toTrustMaterial(root, () => ({ publicKey: key, validFor: () => true }));
  const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, tsaThreshold: 0 });

  const content = bundle.content;
  if (content.$case === 'messageSignature') {
    if (!artifact) throw new Error('a message-signature bundle needs --artifact (the signed bytes)');
    const md = content.messageSignature.messageDigest;
    if (md.algorithm !== HashAlgorithm.SHA2_256) throw new Error(`messageDigest algorithm ${HashAlgorithm[md.algorithm]} is not SHA2_256`);
    const mdHex = Buffer.from(md.digest).toString('hex');
    if (mdHex !== createHash('sha256').update(artifact).digest('hex')) throw new Error('messageDigest is not the sha256 of the artifact');
    if (digest && (digest.alg !== 'sha256' || digest.hex !== mdHex)) throw new Error(`messageDigest is sha256:${mdHex}, not ${a.digest}`);
  }
  verifier.verify(toSignedEntity(bundle, artifact));
  if (content.$case === 'dsseEnvelope' && (digest || artifact)) {
    const wants = [];
    if (digest) wants.push(digest);
    if (artifact) wants.push({ alg: 'sha256', hex: createHash('sha256').update(artifact).digest('hex') });
    checkSubjects(content.dsseEnvelope, wants);
  }
  return 'verified';
}

try {
  console.log(main(process.argv.slice(2)));
} catch (err) {
  let msg = err.message;
  if (err.code) msg = `${err.code}: ${msg}`; // @sigstore/verify's VerificationError
  if (Array.isArray(err.fields)) msg += ` (${err.fields.join(', ')})`; // @sigstore/bundle's ValidationError
  console.error(`error: ${msg}`);
  process.exit(1);
}
