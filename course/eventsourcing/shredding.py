"""Crypto-shredding: personal data in events is encrypted with one key per person; forgetting them deletes the key.

Events are never rewritten, but a person may ask to be forgotten (GDPR's right to erasure).
If their personal data only ever entered the log encrypted with their own key, deleting that key
makes every copy unreadable at once: in the store, in snapshots, in read models rebuilt later,
in backups. The events themselves (a ride happened, it cost 14.50) stay.

The cipher here is a toy (a SHA-256 keystream, no authentication): a real system uses a vetted
AEAD cipher such as AES-GCM and keeps the keys in a key-management service.

Taught in lessons/05_event_sourcing.ipynb.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from ..sim import stream, validate

__all__ = ["KeyVault", "Sealed"]


class Sealed(NamedTuple):
    """Personal data as stored in an event: whose key sealed it, and the ciphertext."""

    subject: str
    data: bytes

    def __repr__(self) -> str:
        return f"Sealed({self.subject!r}, {len(self.data)} bytes)"


def _keystream(key: bytes, n: int) -> bytes:
    out = bytearray()
    block = 0
    while len(out) < n:
        out += hashlib.sha256(key + block.to_bytes(8, "big")).digest()
        block += 1
    return bytes(out[:n])


class KeyVault:
    """One secret key per subject (a rider): `seal` personal text with it, `open` it, `forget` the key.

    >>> vault = KeyVault(seed=0)
    >>> name = vault.seal("ana", "Ana Lima, +33 6 12 34 56 78")
    >>> vault.open(name)
    'Ana Lima, +33 6 12 34 56 78'
    >>> vault.forget("ana")
    >>> vault.open(name) is None
    True
    """

    def __init__(self, seed: int = 0):
        self.seed = validate.seed(seed)
        self._keys: dict[str, bytes] = {}
        self.forgotten: set[str] = set()

    def __repr__(self) -> str:
        return f"KeyVault({len(self._keys)} keys, {len(self.forgotten)} forgotten)"

    def _subject(self, subject: object) -> str:
        return validate.text("subject", subject, example="'ana'", why="whose data it is")

    def seal(self, subject: str, text: str) -> Sealed:
        """Encrypt `text` with `subject`'s key (made on first use; refused once the subject is forgotten)."""
        subject = self._subject(subject)
        validate.instance("text", text, str, example="'Ana Lima'")
        if subject in self.forgotten:
            raise ValueError(f"subject {subject!r} was forgotten: their key is gone and must not come back")
        key = self._keys.get(subject)
        if key is None:
            key = self._keys[subject] = stream(self.seed, f"key:{subject}").randbytes(32)
        raw = text.encode()
        return Sealed(subject, bytes(a ^ b for a, b in zip(raw, _keystream(key, len(raw)), strict=True)))

    def open(self, sealed: Sealed) -> str | None:
        """The text inside `sealed`, or None when its subject's key was deleted (the data is gone)."""
        validate.instance("sealed", sealed, Sealed, example="vault.seal('ana', 'Ana Lima')")
        key = self._keys.get(sealed.subject)
        if key is None:
            return None
        return bytes(a ^ b for a, b in zip(sealed.data, _keystream(key, len(sealed.data)), strict=True)).decode()

    def forget(self, subject: str) -> None:
        """Delete `subject`'s key: every sealed copy of their data, anywhere, becomes unreadable."""
        subject = self._subject(subject)
        self._keys.pop(subject, None)
        self.forgotten.add(subject)
