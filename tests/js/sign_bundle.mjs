// Makes a sigstore bundle with sigstore-js (@sigstore/sign) and a key-based signer (no Fulcio,
// no Rekor, no TSA), for sigil to verify.
//   node sign_bundle.mjs dsse --key PRIV.pem --payload-file F [--payload-type T]
//   node sign_bundle.mjs message --key PRIV.pem --artifact FILE
// The key hint is what cosign writes: base64(SHA-256(PKIX DER of the public key)).
// Prints the bundle JSON (sigstore-js's own serialisation) on stdout.
import { readFileSync } from 'node:fs';
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder, MessageSignatureBundleBuilder } from '@sigstore/sign';

const [mode, ...rest] = process.argv.slice(2);
const a = {};
for (let i = 0; i < rest.length; i += 2) a[rest[i].replace(/^--/, '')] = rest[i + 1];
try {
  if (!['dsse', 'message'].includes(mode) || !a.key) throw new Error('usage: sign_bundle.mjs dsse|message --key PRIV.pem ...');
  const priv = createPrivateKey(readFileSync(a.key));
  const pub = createPublicKey(priv);
  const der = pub.export({ type: 'spki', format: 'der' });
  const hint = createHash('sha256').update(der).digest('base64');
  const pem = pub.export({ type: 'spki', format: 'pem' }).toString();
  const signer = {
    // ECDSA P-256: SHA-256, DER signature; Ed25519: pure
    async sign(data) {
      const alg = priv.asymmetricKeyType === 'ed25519' ? null : 'sha256';
      return { signature: sign(alg, data, priv), key: { $case: 'publicKey', publicKey: pem, hint } };
    },
  };
  let bundle;
  if (mode === 'dsse') {
    const data = readFileSync(a['payload-file']);
    const builder = new DSSEBundleBuilder({ signer, witnesses: [] });
    bundle = await builder.create({ data, type: a['payload-type'] || 'application/vnd.in-toto+json' });
  } else {
    const builder = new MessageSignatureBundleBuilder({ signer, witnesses: [] });
    bundle = await builder.create({ data: readFileSync(a.artifact) });
  }
  process.stdout.write(JSON.stringify(bundleToJSON(bundle)) + '\n');
} catch (err) {
  console.error(`error: ${err.message}`);
  process.exit(1);
}
