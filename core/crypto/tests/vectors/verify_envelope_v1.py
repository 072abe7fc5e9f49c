#!/usr/bin/env python3
"""Independent check of envelope-v1.json with Python's `cryptography` package.

Re-derives the golden inputs (SHA-256 of labels, see docs/adr/0002-record-envelope.md),
verifies the signature, unwraps the content key for both recipients with a from-scratch
RFC 9180 base-mode implementation, checks the key commitment and decrypts.
Usage: python3 verify_envelope_v1.py [envelope-v1.json]
"""
import base64, hashlib, hmac, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives import serialization

RAW = dict(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)

def derived(label):
    return hashlib.sha256(f"peerlog envelope-v1 test vector: {label}".encode()).digest()

def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))

def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def jcs(v):
    # Equivalent to RFC 8785 for this document: ASCII keys, integers and strings only.
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

def extract(salt, ikm):
    return hmac.new(salt or b"\0" * 32, ikm, hashlib.sha256).digest()

def expand(prk, info, n):
    out, t, i = b"", b"", 1
    while len(out) < n:
        t = hmac.new(prk, t + info + bytes([i]), hashlib.sha256).digest()
        out, i = out + t, i + 1
    return out[:n]

KEM = b"KEM\x00\x20"
HPKE = b"HPKE\x00\x20\x00\x01\x00\x01"

def lextract(suite, salt, label, ikm):
    return extract(salt, b"HPKE-v1" + suite + label + ikm)

def lexpand(suite, prk, label, info, n):
    return expand(prk, n.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info, n)

def hpke_open(sk_bytes, enc, info, aad, ct):
    sk = X25519PrivateKey.from_private_bytes(sk_bytes)
    pk_r = sk.public_key().public_bytes(**RAW)
    dh = sk.exchange(X25519PublicKey.from_public_bytes(enc))
    shared = lexpand(KEM, lextract(KEM, b"", b"eae_prk", dh), b"shared_secret", enc + pk_r, 32)
    ctx = b"\0" + lextract(HPKE, b"", b"psk_id_hash", b"") + lextract(HPKE, b"", b"info_hash", info)
    secret = lextract(HPKE, shared, b"secret", b"")
    key = lexpand(HPKE, secret, b"key", ctx, 16)
    nonce = lexpand(HPKE, secret, b"base_nonce", ctx, 12)
    return AESGCM(key).decrypt(nonce, ct, aad), pk_r

def main(path):
    env = json.load(open(path, encoding="utf-8"))
    author = Ed25519PrivateKey.from_private_bytes(derived("author seed"))
    author_pk = author.public_key().public_bytes(**RAW)
    assert env["meta"]["author_device"] == b64e(hashlib.sha256(author_pk).digest()[:16])
    signed = {k: env[k] for k in ("v", "meta", "nonce", "ciphertext", "key_commitment")}
    Ed25519PublicKey.from_public_bytes(author_pk).verify(
        b64d(env["signature"]), b"peerlog/v1/envelope\0" + jcs(signed))
    meta = jcs(env["meta"])
    for label, entry in zip(("peer key", "chapter key"), env["recipients"]):
        cek, pk = hpke_open(derived(label), b64d(entry["enc"]), b"peerlog/v1/wrap", meta,
                            b64d(entry["wrapped_key"]))
        assert entry["kid"] == b64e(hashlib.sha256(pk).digest()[:12]), label
        assert cek == derived("content key"), label
        assert hmac.new(cek, b"peerlog/v1/key-commitment", hashlib.sha256).digest() \
            == b64d(env["key_commitment"])
        assert b64d(env["nonce"]) == derived("nonce")[:12]
        pt = AESGCM(cek).decrypt(b64d(env["nonce"]), b64d(env["ciphertext"]),
                                 b"peerlog/v1/content\0" + meta)
        print(f"{label}: {pt.decode()}")
    print("envelope-v1.json verified")

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "envelope-v1.json")
