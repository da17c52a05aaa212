"""Who issued a certificate: just enough DER reading to name it in a sentence.

When a server's certificate is not trusted, the operator needs to know whose
certificate authority signed it (a company's TLS-inspecting proxy, a test CA, a
misconfigured server) to decide what to do. The standard library can hand out a
certificate's DER bytes but not decode them without verifying, so this module
reads the issuer and subject names out of the DER itself. It reads nothing else
and trusts nothing it reads: the names are shown, never used to decide trust.
"""

from __future__ import annotations

from dataclasses import dataclass

_SEQUENCE = 0x30
_SET = 0x31
_OID = 0x06
_INTEGER = 0x02
_VERSION = 0xA0  # [0] EXPLICIT, before the serial number when present

# Attribute types of a distinguished name, DER-encoded (2.5.4.x).
_COMMON_NAME = bytes.fromhex("550403")
_ORGANIZATION = bytes.fromhex("55040a")
_ORGANIZATIONAL_UNIT = bytes.fromhex("55040b")

_STRING_CODECS = {
    0x0C: "utf-8",  # UTF8String
    0x13: "ascii",  # PrintableString
    0x16: "ascii",  # IA5String
    0x14: "latin-1",  # TeletexString: in practice Latin-1
    0x1E: "utf-16-be",  # BMPString
    0x1C: "utf-32-be",  # UniversalString
}

_MAX_SHOWN = 120


class CertificateFormatError(ValueError):
    """The bytes are not a DER certificate this reader understands."""


@dataclass(frozen=True, slots=True)
class CertificateName:
    """The parts of a distinguished name worth showing to a person."""

    common_name: str | None = None
    organization: str | None = None
    unit: str | None = None

    def __str__(self) -> str:
        """ "Zscaler Root CA (Zscaler Inc.)", or whatever parts there are."""
        main = self.common_name or self.unit or self.organization or "unnamed"
        extra = self.organization if self.organization not in (None, main) else None
        return f"{main} ({extra})" if extra else main


@dataclass(frozen=True, slots=True)
class CertificateNames:
    issuer: CertificateName
    subject: CertificateName
    self_signed: bool


def certificate_names(der: bytes) -> CertificateNames:
    """The issuer and subject of a DER certificate; CertificateFormatError when
    the bytes do not have a certificate's shape."""
    try:
        return _names(memoryview(der))
    except (IndexError, UnicodeDecodeError) as error:
        raise CertificateFormatError(f"truncated or garbled DER ({error})") from None


def _names(der: memoryview) -> CertificateNames:
    # Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
    certificate = _expect(der, 0, _SEQUENCE)
    tbs = _expect(der, certificate.start, _SEQUENCE)

    # TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber,
    #     signature, issuer, validity, subject, ... }
    field = _read(der, tbs.start)
    if field.tag == _VERSION:
        field = _read(der, field.end)
    if field.tag != _INTEGER:
        raise CertificateFormatError("no serial number where one belongs")
    signature = _expect(der, field.end, _SEQUENCE)
    issuer = _expect(der, signature.end, _SEQUENCE)
    validity = _expect(der, issuer.end, _SEQUENCE)
    subject = _expect(der, validity.end, _SEQUENCE)
    if subject.end > tbs.end:
        raise CertificateFormatError("the names run past the certificate body")

    return CertificateNames(
        issuer=_name(der, issuer),
        subject=_name(der, subject),
        self_signed=bytes(der[issuer.start : issuer.end])
        == bytes(der[subject.start : subject.end]),
    )


def _name(der: memoryview, name: _Element) -> CertificateName:
    # Name ::= SEQUENCE OF SET OF SEQUENCE { type OBJECT IDENTIFIER, value ANY }
    found: dict[bytes, str] = {}
    position = name.start
    while position < name.end:
        rdn = _expect(der, position, _SET)
        inner = rdn.start
        while inner < rdn.end:
            pair = _expect(der, inner, _SEQUENCE)
            kind = _expect(der, pair.start, _OID)
            value = _read(der, kind.end)
            codec = _STRING_CODECS.get(value.tag)
            if codec is not None:
                text = bytes(der[value.start : value.end]).decode(codec)
                # The first of a repeated attribute is the most general one.
                found.setdefault(bytes(der[kind.start : kind.end]), _shown(text))
            inner = pair.end
        position = rdn.end
    return CertificateName(
        common_name=found.get(_COMMON_NAME),
        organization=found.get(_ORGANIZATION),
        unit=found.get(_ORGANIZATIONAL_UNIT),
    )


def _shown(text: str) -> str:
    """``text`` safe to put in a sentence: printable, one line, not too long."""
    clean = "".join(c if c.isprintable() else "?" for c in text).strip()
    return clean if len(clean) <= _MAX_SHOWN else clean[: _MAX_SHOWN - 1] + "…"


@dataclass(frozen=True, slots=True)
class _Element:
    tag: int
    start: int  # first byte of the value
    end: int  # one past the last byte of the value


def _read(der: memoryview, offset: int) -> _Element:
    tag = der[offset]
    first = der[offset + 1]
    start = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if not 1 <= count <= 4:
            raise CertificateFormatError("a length this reader does not accept")
        length = int.from_bytes(der[start : start + count], "big")
        start += count
    end = start + length
    if end > len(der):
        raise CertificateFormatError("an element runs past the end of the data")
    return _Element(tag, start, end)


def _expect(der: memoryview, offset: int, tag: int) -> _Element:
    element = _read(der, offset)
    if element.tag != tag:
        raise CertificateFormatError(
            f"expected tag 0x{tag:02x} at byte {offset}, found 0x{element.tag:02x}"
        )
    return element
