"""A thin client of the WhatsApp Cloud API (Graph API) over httpx.

The base URL is a setting (WHATSAPP_API_BASE_URL), so tests talk to a fake on 127.0.0.1.
Errors are told apart by the Graph error code, not the HTTP status.
"""

from __future__ import annotations

import hashlib
from typing import Any

import httpx

from bot.channels.base import MAX_DOWNLOAD_BYTES  # beyond it (or what is asked), not read


class GraphError(Exception):
    """The Graph API refused a request; `code` is its error code (131047, 130429, 190...)."""

    def __init__(self, code: int, message: str, status: int = 0) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.status = status  # the HTTP status (0 when none came)


class GraphClient:
    """Send messages and fetch media for one WhatsApp business phone number."""

    def __init__(
        self,
        base_url: str,
        phone_number_id: str,
        access_token: str,
        *,
        timeout: float = 20.0,
        transport: httpx.AsyncBaseTransport | None = None,  # benchmarks: in memory
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.phone_number_id = phone_number_id
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=timeout,
            transport=transport,
        )

    async def close(self) -> None:
        await self._http.aclose()

    @staticmethod
    def _raise_for_error(response: httpx.Response) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.is_success and "error" not in data:
            return data
        error = data.get("error") or {}
        raise GraphError(
            int(error.get("code") or response.status_code),
            str(error.get("message") or response.text[:200]),
            response.status_code,
        )

    async def send(self, recipient: str, body: dict[str, Any]) -> str:
        """Send one message; `recipient` is digits (`to`) or "bsuid:<id>" (`recipient`)."""
        payload: dict[str, Any] = {"messaging_product": "whatsapp", **body}
        if recipient.startswith("bsuid:"):
            payload["recipient"] = recipient.removeprefix("bsuid:")
        else:
            payload["to"] = recipient
            payload["recipient_type"] = "individual"
        response = await self._http.post(
            f"{self.base_url}/{self.phone_number_id}/messages", json=payload
        )
        data = self._raise_for_error(response)
        return str(data["messages"][0]["id"])

    async def upload_media(self, data: bytes, filename: str, mime_type: str) -> str:
        """Upload a file we send (a chart, a spreadsheet); returns its media id."""
        response = await self._http.post(
            f"{self.base_url}/{self.phone_number_id}/media",
            data={"messaging_product": "whatsapp", "type": mime_type},
            files={"file": (filename, data, mime_type)},
        )
        return str(self._raise_for_error(response)["id"])

    async def download_media(self, media_id: str, max_bytes: int = MAX_DOWNLOAD_BYTES) -> bytes:
        """A received photo or document: its short-lived URL first, then the bytes (checked
        by sha256). Refused beyond `max_bytes`, by the size Meta gives or while reading: a
        100 MB document is never held in memory."""
        meta = self._raise_for_error(await self._http.get(f"{self.base_url}/{media_id}"))
        size = meta.get("file_size")
        if isinstance(size, int) and size > max_bytes:
            raise GraphError(0, f"media of {size} bytes: too large")
        chunks: list[bytes] = []
        received = 0
        async with self._http.stream("GET", meta["url"]) as response:
            if not response.is_success:
                raise GraphError(response.status_code, "media download failed")
            async for chunk in response.aiter_bytes():
                received += len(chunk)
                if received > max_bytes:
                    raise GraphError(0, f"media over {max_bytes} bytes: too large")
                chunks.append(chunk)
        data = b"".join(chunks)
        expected = meta.get("sha256")
        if expected and hashlib.sha256(data).hexdigest() != expected:
            raise GraphError(0, "media checksum mismatch")
        return data
