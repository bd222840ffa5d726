/**
 * Optional TLS for the relay: a self-signed certificate generated once and kept in the data dir, so a relay on a
 * LAN can give browsers a secure context (https) without any certificate authority. Browsers ask the user to accept
 * it once; the certificate names every address the relay answers on.
 */
import { webcrypto } from 'node:crypto'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded first.
import 'reflect-metadata'
import * as x509 from '@peculiar/x509'
import { RELAY_TLS_VALID_DAYS } from '../src/constants.ts'

export const TLS_CERT_FILE = 'tls-cert.pem'
export const TLS_KEY_FILE = 'tls-key.pem'

export interface TlsMaterial {
  cert: string
  key: string
}

/** Loads the relay's certificate and key, or generates a self-signed ECDSA P-256 pair for `hosts`. */
export async function loadOrCreateCertificate (dataDir: string, hosts: string[] = []): Promise<TlsMaterial> {
  const certPath = join(dataDir, TLS_CERT_FILE)
  const keyPath = join(dataDir, TLS_KEY_FILE)
  try {
    return { cert: await readFile(certPath, 'utf8'), key: await readFile(keyPath, 'utf8') }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  x509.cryptoProvider.set(webcrypto as unknown as Crypto)
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' }
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']) as CryptoKeyPair
  const names = new Set(['localhost', '127.0.0.1', '::1', ...hosts.filter(h => h !== '0.0.0.0' && h !== '::')])
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address)
  const san = [...names].map(n => (/^[\d.]+$/.test(n) || n.includes(':')) ? { type: 'ip' as const, value: n } : { type: 'dns' as const, value: n })
  const notBefore = new Date(Date.now() - 60_000)
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Date.now().toString(16),
    name: 'CN=ChatSphere relay',
    notBefore,
    notAfter: new Date(notBefore.getTime() + RELAY_TLS_VALID_DAYS * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1']),
      new x509.SubjectAlternativeNameExtension(san)
    ]
  })
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)
  const material = { cert: cert.toString('pem'), key: x509.PemConverter.encode(pkcs8, 'PRIVATE KEY') }
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  await writeFile(keyPath + '.tmp', material.key, { mode: 0o600, flush: true })
  await writeFile(certPath + '.tmp', material.cert, { mode: 0o644, flush: true })
  await rename(keyPath + '.tmp', keyPath)
  await rename(certPath + '.tmp', certPath)
  return material
}
