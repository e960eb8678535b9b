"""The wire side of the fake Bot API: a request as aiogram sends it, decoded into an
`ApiCall` (form fields to Python values, uploads by the API field that names them), and
the error answer `ApiError`."""

from __future__ import annotations

import json
import re
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

_NUMBER = re.compile(r"-?\d+(\.\d+)?")
# aiogram sends a Python str verbatim and JSON-encodes everything else, so only these
# free-text / opaque-id fields can hold a "123", "true" or "{" that must stay a string.
_VERBATIM = frozenset({
    "text", "caption", "description", "short_description", "parse_mode", "title", "url",
    "query", "name", "emoji", "question", "explanation", "language_code", "custom_title",
    "callback_query_id", "inline_message_id", "business_connection_id", "message_effect_id",
    "file_id", "photo", "document", "video", "audio", "animation", "voice", "sticker",
    "thumbnail",
})  # fmt: skip


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content: bytes
    content_type: str


@dataclass
class ApiCall:
    """One request to the fake, form fields decoded to Python values."""

    method: str  # as the client spelled it, e.g. "sendMessage"
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)  # by API field, e.g. "photo"
    token: str = ""
    answered_status: int = 0  # HTTP status answered; 0 while a long poll is pending
    response: dict[str, Any] | None = None  # the JSON body answered

    @property
    def text(self) -> str:
        """The message text or caption sent ("" when the call carried neither)."""
        return str(self.params.get("text") or self.params.get("caption") or "")

    @property
    def result(self) -> Any:
        return (self.response or {}).get("result")

    def __str__(self) -> str:
        params = ", ".join(f"{key}={value!r}" for key, value in self.params.items())
        params = params if len(params) <= 160 else params[:157] + "..."
        failed = self.response is not None and not self.response["ok"]
        error = f" {self.response['description']!r}" if failed else ""  # type: ignore[index]
        return f"{self.method}({params}) -> {self.answered_status or 'pending'}{error}"


class ApiError(Exception):
    """An error answer. A `stub` responder may raise it to fail a call."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after

    def body(self) -> dict[str, Any]:
        body = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _decode(name: str, value: str) -> Any:
    if name in _VERBATIM:
        return value
    if value in ("true", "false"):
        return value == "true"
    if _NUMBER.fullmatch(value):
        return float(value) if "." in value else int(value)
    if value[:1] in ("[", "{"):
        with suppress(ValueError):
            return json.loads(value)
    return value


def _take_attachment(parts: dict[str, UploadedFile], ref: Any) -> UploadedFile | None:
    if isinstance(ref, str) and ref.startswith("attach://"):
        return parts.pop(ref.removeprefix("attach://"), None)
    return None


async def read_request(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Decoded params, and uploads keyed by the API field that attach:// names them in
    ("photo"; "media.0.media" inside a list)."""
    raw: dict[str, str] = dict(request.query)
    parts: dict[str, UploadedFile] = {}
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name is None:
                continue
            if part.filename is None:
                raw[part.name] = await part.text()
            else:
                content_type = part.headers.get("Content-Type", "application/octet-stream")
                parts[part.name] = UploadedFile(part.filename, await part.read(), content_type)
    elif request.can_read_body:
        raw.update({key: str(value) for key, value in (await request.post()).items()})
    params = {key: _decode(key, value) for key, value in raw.items()}
    files: dict[str, UploadedFile] = {}
    for key, value in params.items():
        if (upload := _take_attachment(parts, value)) is not None:
            files[key] = upload
        for index, item in enumerate(value if isinstance(value, list) else []):
            for sub, ref in item.items() if isinstance(item, dict) else ():
                if (upload := _take_attachment(parts, ref)) is not None:
                    files[f"{key}.{index}.{sub}"] = upload
    return params, files | parts  # a part named after its field is a legal upload too
