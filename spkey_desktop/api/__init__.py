"""Typed async client for the SmartphoneKey B2C API (no Qt in here)."""

from .auth import Credentials, CredentialsProvider
from .client import MAX_PAGE_SIZE, SpkeyClient
from .errors import (
    AlreadyExistsError,
    ApiError,
    ApiTimeoutError,
    ConnectionFailedError,
    FieldError,
    ForbiddenError,
    InsecureUrlError,
    InvalidInputError,
    NotFoundError,
    PlateNotFoundError,
    RateLimitedError,
    RedirectedError,
    ServerError,
    TlsError,
    UnauthorizedError,
    UnavailableError,
    UnexpectedResponseError,
)
from .models import (
    Camera,
    CreateUserResult,
    LicensePlate,
    LprEvent,
    LprEventPage,
    PlateCommandResult,
    PlateList,
    Profile,
    UserRef,
)
from .redaction import RedactSecretsFilter
from .retry import RetryPolicy
from .transport import Timeouts

__all__ = [
    "MAX_PAGE_SIZE",
    "AlreadyExistsError",
    "ApiError",
    "ApiTimeoutError",
    "Camera",
    "ConnectionFailedError",
    "CreateUserResult",
    "Credentials",
    "CredentialsProvider",
    "FieldError",
    "ForbiddenError",
    "InsecureUrlError",
    "InvalidInputError",
    "LicensePlate",
    "LprEvent",
    "LprEventPage",
    "NotFoundError",
    "PlateCommandResult",
    "PlateList",
    "PlateNotFoundError",
    "Profile",
    "RateLimitedError",
    "RedactSecretsFilter",
    "RedirectedError",
    "RetryPolicy",
    "ServerError",
    "SpkeyClient",
    "Timeouts",
    "TlsError",
    "UnauthorizedError",
    "UnavailableError",
    "UnexpectedResponseError",
    "UserRef",
]
