// Makes a sigstore bundle with sigstore-js (@sigstore/sign) and a key-based signer (no Fulcio,
// no Rekor, no TSA: no witnesses), for sigil to verify.
//
//   node sign_bundle.mjs dsse --key PRIV.pem --payload-file F [--payload-type T]
//   node sign_bundle.mjs message --key PRIV.pem --artifact FILE [--stock]
//
// PRIV.pem: an unencrypted PEM private key (PKCS#8, or SEC1 "EC PRIVATE KEY"): ECDSA P-256
// (SHA-256, DER signature), Ed25519 (pure) or RSA (PKCS#1 v1.5, SHA-256).
// --payload-type defaults to application/vnd.in-toto+json.
// Prints the bundle JSON (sigstore-js's own serialisation, bundleToJSON) on stdout, one line.
//
// Key hint: the builders take it from the signer's key material ({$case: 'publicKey',
// publicKey, hint}); it is given cosign's value, base64std(SHA-256(PKIX DER of the public key))
// (formats.md §5.1). @sigstore/bundle puts that hint in verificationMaterial.publicKey.hint and,
// for DSSE, also in the envelope signature's keyid (cosign/sigstore-go leave keyid out).
//
// Media type: DSSEBundleBuilder writes bundle v0.3. MessageSignatureBundleBuilder as shipped
// always passes certificateChain: true to @sigstore/bundle and so labels every message bundle
// v0.2 ("application/vnd.dev.sigstore.bundle+json;version=0.2"), even a key-based one. By
// default this script uses a subclass whose package() step (the builder's hook for assembling
// the bundle) calls @sigstore/bundle's toMessageSignatureBundle with certificateChain: false,
// which gives v0.3; nothing is edited after the builder returns. --stock uses the builder as
// shipped (v0.2).
import { readFileSync } from 'node:fs';
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { parseArgs } from 'node:util';
import { bundleToJSON, toMessageSignatureBundle } from '@sigstore/bundle';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder } from '@sigstore/sign';

const USAGE = 'usage: sign_bundle.mjs dsse --key PRIV.pem --payload-file F [--payload-type T]\n' +
  '       sign_bundle.mjs message --key PRIV.pem --artifact FILE [--stock]';

// A Signer (@sigstore/sign's interface: sign(data) -> {signature, key}) over a PEM private key.
function keySigner(pemBytes) {
  const priv = createPrivateKey(pemBytes);
  let alg;
  switch (priv.asymmetricKeyType) {
    case 'ec':
      if (priv.asymmetricKeyDetails.namedCurve !== 'prime256v1') {
        throw new Error(`EC curve ${priv.asymmetricKeyDetails.namedCurve}: only P-256 is used with sigstore keys here`);
      }
      alg = 'sha256'; // node's ECDSA signatures are DER by default (dsaEncoding 'der')
      break;
    case 'ed25519':
      alg = null; // pure Ed25519 over the bytes
      break;
    case 'rsa':
      alg = 'sha256'; // PKCS#1 v1.5 is node's default RSA padding
      break;
    default:
      throw new Error(`unsupported key type ${priv.asymmetricKeyType}`);
  }
  const pub = createPublicKey(priv);
  const hint = createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('base64');
  const publicKey = pub.export({ type: 'spki', format: 'pem' }).toString();
  return {
    hint,
    async sign(data) {
      return { signature: sign(alg, data, priv), key: { $case: 'publicKey', publicKey, hint } };
    },
  };
}

// MessageSignatureBundleBuilder whose bundles carry the v0.3 media type (see the header).
class MessageSignatureV03BundleBuilder extends MessageSignatureBundleBuilder {
  async package(artifact, signature) {
    return toMessageSignatureBundle({
      digest: createHash('sha256').update(artifact.data).digest(),
      signature: signature.signature,
      keyHint: signature.key.$case === 'publicKey' ? signature.key.hint : undefined,
      certificateChain: false,
    });
  }
}

async function main(argv) {
  const [mode, ...rest] = argv;
  const { values: a } = parseArgs({
    args: rest,
    strict: true,
    options: {
      key: { type: 'string' },
      'payload-file': { type: 'string' },
      'payload-type': { type: 'string', default: 'application/vnd.in-toto+json' },
      artifact: { type: 'string' },
      stock: { type: 'boolean', default: false },
    },
  });
  if (!a.key) throw new Error(`--key is required\n${USAGE}`);
  const signer = keySigner(readFileSync(a.key));
  let bundle;
  if (mode === 'dsse') {
    if (!a['payload-file'] || a.artifact || a.stock) throw new Error(USAGE);
    const builder = new DSSEBundleBuilder({ signer, witnesses: [] });
    bundle = await builder.create({ data: readFileSync(a['payload-file']), type: a['payload-type'] });
  } else if (mode === 'message') {
    if (!a.artifact || a['payload-file']) throw new Error(USAGE);
    const Builder = a.stock ? MessageSignatureBundleBuilder : MessageSignatureV03BundleBuilder;
    const builder = new Builder({ signer, witnesses: [] });
    bundle = await builder.create({ data: readFileSync(a.artifact) });
  } else {
    throw new Error(USAGE);
  }
  return JSON.stringify(bundleToJSON(bundle));
}

try {
  process.stdout.write((await main(process.argv.slice(2))) + '\n');
} catch (err) {
  console.error(`error: ${err.message}`);
  process.exit(1);
}
