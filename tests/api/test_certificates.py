"""Reading issuer and subject names out of DER certificates, checked against
certificates minted with the cryptography package."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from spkey_desktop.api.certificates import (
    CertificateFormatError,
    CertificateName,
    certificate_names,
)

from ..helpers.api_fixtures import TlsFiles

KEY = ec.generate_private_key(ec.SECP256R1())


def mint(issuer: x509.Name, subject: x509.Name, *, version_1: bool = False) -> bytes:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .issuer_name(issuer)
        .subject_name(subject)
        .public_key(KEY.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
    )
    if not version_1:
        builder = builder.add_extension(
            x509.BasicConstraints(ca=False, path_length=None), critical=True
        )
    certificate = builder.sign(KEY, hashes.SHA256())
    return certificate.public_bytes(serialization.Encoding.DER)


def name(*attributes: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    # Unvalidated, so that an over-long name (as a real CA might send) is minted.
    return x509.Name(
        [x509.NameAttribute(oid, value, _validate=False) for oid, value in attributes]
    )


CORPORATE_ROOT = name(
    (NameOID.COUNTRY_NAME, "PL"),
    (NameOID.ORGANIZATION_NAME, "Example Corp"),
    (NameOID.ORGANIZATIONAL_UNIT_NAME, "IT Security"),
    (NameOID.COMMON_NAME, "Example Corp Inspection CA"),
)
SERVER = name((NameOID.COMMON_NAME, "api.example.com"))


def test_issuer_and_subject() -> None:
    names = certificate_names(mint(CORPORATE_ROOT, SERVER))
    assert names.issuer == CertificateName(
        "Example Corp Inspection CA", "Example Corp", "IT Security"
    )
    assert str(names.issuer) == "Example Corp Inspection CA (Example Corp)"
    assert str(names.subject) == "api.example.com"
    assert not names.self_signed


def test_a_self_signed_certificate() -> None:
    names = certificate_names(mint(SERVER, SERVER))
    assert names.self_signed
    assert str(names.issuer) == "api.example.com"


def test_the_throwaway_test_ca(tls_files: TlsFiles) -> None:
    der = tls_files.ca.certificate.public_bytes(serialization.Encoding.DER)
    names = certificate_names(der)
    assert names.self_signed
    assert str(names.issuer) == "spkey test CA (spkey tests)"


@pytest.mark.parametrize(
    ("attributes", "shown"),
    [
        (((NameOID.ORGANIZATION_NAME, "Only Org"),), "Only Org"),
        (((NameOID.ORGANIZATIONAL_UNIT_NAME, "Only Unit"),), "Only Unit"),
        (((NameOID.COUNTRY_NAME, "PL"),), "unnamed"),
        (((NameOID.COMMON_NAME, "Zażółć CA ☂"),), "Zażółć CA ☂"),
        (
            ((NameOID.COMMON_NAME, "Same"), (NameOID.ORGANIZATION_NAME, "Same")),
            "Same",
        ),
        (((NameOID.COMMON_NAME, "bad\nline\x07"),), "bad?line?"),
        (((NameOID.COMMON_NAME, "x" * 200),), "x" * 119 + "…"),
    ],
    ids=["org", "unit", "country", "unicode", "same", "control", "long"],
)
@pytest.mark.filterwarnings("ignore:Attribute's length must be")
def test_what_is_shown_of_a_name(
    attributes: tuple[tuple[x509.ObjectIdentifier, str], ...], shown: str
) -> None:
    names = certificate_names(mint(name(*attributes), SERVER))
    assert str(names.issuer) == shown


def test_other_string_types() -> None:
    issuer = x509.Name(
        [
            x509.NameAttribute(
                NameOID.COMMON_NAME, "BMP CA", _type=x509.name._ASN1Type.BMPString
            ),
            x509.NameAttribute(
                NameOID.ORGANIZATION_NAME,
                "Printable Org",
                _type=x509.name._ASN1Type.PrintableString,
            ),
        ]
    )
    assert str(certificate_names(mint(issuer, SERVER)).issuer) == (
        "BMP CA (Printable Org)"
    )


def test_a_version_1_certificate_without_the_version_field() -> None:
    der = mint(CORPORATE_ROOT, SERVER, version_1=True)
    assert str(certificate_names(der).issuer).startswith("Example Corp Inspection CA")


@pytest.mark.parametrize("cut", [0, 1, 5, 40, 120, -20])
def test_truncated_der_is_a_format_error(cut: int) -> None:
    der = mint(CORPORATE_ROOT, SERVER)
    with pytest.raises(CertificateFormatError):
        certificate_names(der[:cut])


def test_other_der_is_a_format_error() -> None:
    with pytest.raises(CertificateFormatError):
        certificate_names(bytes.fromhex("300602012a02012a"))  # SEQUENCE of INTEGERs


@given(st.binary(max_size=300))
def test_any_bytes_give_names_or_a_format_error(data: bytes) -> None:
    with contextlib.suppress(CertificateFormatError):
        certificate_names(data)


@given(st.integers(min_value=0, max_value=400), st.integers(0, 255))
def test_a_flipped_byte_gives_names_or_a_format_error(
    position: int, value: int
) -> None:
    der = bytearray(mint(CORPORATE_ROOT, SERVER))
    der[position % len(der)] = value
    with contextlib.suppress(CertificateFormatError):
        certificate_names(bytes(der))
