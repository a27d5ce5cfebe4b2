"""What the double saw: REST calls, uploaded files, and the protocol violations it found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Upload:
    """One file part of a multipart request (`files[n]`)."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class RestCall:
    """One REST request the bot sent, and what the double answered.

    `template` is the matching path of Discord's OpenAPI description
    (`/channels/{channel_id}/messages`), or None when no path matched.
    `json` is the JSON body, or the unpacked `payload_json` of a multipart body.
    """

    method: str
    path: str
    query: dict[str, str]
    template: str | None = None
    json: Any = None
    uploads: list[Upload] = field(default_factory=list)
    status: int = 0
    answer: Any = None

    @property
    def files(self) -> dict[str, bytes]:
        """The uploaded files by file name."""
        return {upload.filename: upload.data for upload in self.uploads}

    def __str__(self) -> str:
        return f"{self.method} {self.path} -> {self.status}"


@dataclass(frozen=True)
class Violation:
    """Something the bot did that Discord would reject, or that the double cannot answer.

    `kind` is `request` (REST request against the OpenAPI description), `gateway`
    (websocket protocol) or `response` (the double's own answer broke the description,
    a bug in the double).
    """

    kind: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.where}: {self.message}"
