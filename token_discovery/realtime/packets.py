"""Socket.IO packets for what this app sends: records whose JSON was made once, and never any binary."""

from __future__ import annotations

import json
from typing import Any

from socketio import packet

from token_discovery.records import EncodedRecord


class RecordPacket(packet.Packet):
    """A Socket.IO packet that skips the search for binary data (the app sends none) and reuses records' JSON."""

    uses_binary_events = False  # a record is never walked through, per client, looking for bytes

    def encode(self) -> Any:
        """The packet's text: an event carrying one encoded record is put together without encoding it again."""
        data = self.data
        if self.packet_type != packet.EVENT or not (
            isinstance(data, list) and len(data) == 2 and isinstance(data[1], EncodedRecord)
        ):
            return super().encode()
        head = str(packet.EVENT)
        if self.namespace is not None and self.namespace != "/":
            head += self.namespace + ","
        if self.id is not None:
            head += str(self.id)
        return f"{head}[{json.dumps(data[0])},{data[1].json_text}]"
