"""GoPlus: contract security, batched per chain; EVM chains and Solana on their own paths."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests

from token_discovery.models import SECURITY_FLAGS, Batch, SecurityReport
from token_discovery.sources.base import BadPayload, RateLimited, RequestRejected, SourceUnavailable
from token_discovery.sources.chains import Chain, chain_by_slug, normalize_address, valid_address
from token_discovery.sources.goplus_fields import dex_pools, holders, text_or_none
from token_discovery.sources.goplus_solana import parse_solana
from token_discovery.sources.http import DIRECT, Gate, HttpLimits, get_json
from token_discovery.sources.parsing import (
    Malformed,
    require_mapping,
    to_flag,
    to_fraction,
    to_int,
)

EVM_ROUTE = "goplus.token_security"
SOLANA_ROUTE = "goplus.solana_token_security"
CODE_OK = 1
CODE_PARTIAL = 2
CODE_RATE_LIMITED = 4029
CODE_SERVER_ERROR = 5000


def check_envelope(route: str, body: Any) -> Mapping[str, Any]:
    """Return the `result` object, raising for rate limits and errors carried in an HTTP 200."""
    if not isinstance(body, Mapping):
        raise BadPayload(route, f"expected a JSON object, got {type(body).__name__}")
    code = to_int(body.get("code"))
    message = str(body.get("message") or "")[:120]
    if code == CODE_RATE_LIMITED:
        raise RateLimited(route, None, f"code 4029 in body: {message}")
    if code is None:
        raise BadPayload(route, "envelope has no numeric `code`")
    if code >= CODE_SERVER_ERROR:
        raise SourceUnavailable(route, f"code {code} in body: {message}")
    if code not in (CODE_OK, CODE_PARTIAL):
        raise RequestRejected(route, f"code {code} in body: {message}")
    result = body.get("result")
    if result is None:
        return {}
    if not isinstance(result, Mapping):
        raise BadPayload(route, "`result` is not an object keyed by address")
    return result


def _evm_flags(raw: Mapping[str, Any]) -> dict[str, bool | None]:
    """The boolean checks of an EVM entry; GoPlus's `trust_list` is its trusted-token mark."""
    flags = {name: to_flag(raw.get(name)) for name in SECURITY_FLAGS}
    if flags["trusted_token"] is None:
        flags["trusted_token"] = to_flag(raw.get("trust_list"))
    return flags


def parse_evm(chain: Chain, address: str, raw: Mapping[str, Any]) -> SecurityReport:
    """A report from an EVM token_security entry."""
    return SecurityReport(
        chain=chain.slug,
        address=address,
        indexed=True,
        flags=_evm_flags(raw),
        buy_tax=to_fraction(raw.get("buy_tax")),
        sell_tax=to_fraction(raw.get("sell_tax")),
        transfer_tax=to_fraction(raw.get("transfer_tax")),
        holder_count=to_int(raw.get("holder_count")),
        holders=holders(raw.get("holders")),
        lp_holder_count=to_int(raw.get("lp_holder_count")),
        lp_holders=holders(raw.get("lp_holders")),
        owner_address=text_or_none(raw.get("owner_address")),
        owner_percent=to_fraction(raw.get("owner_percent")),
        creator_address=text_or_none(raw.get("creator_address")),
        creator_percent=to_fraction(raw.get("creator_percent")),
        creator_honeypots=to_int(raw.get("honeypot_with_same_creator")),
        dex_pools=dex_pools(raw.get("dex")),
        raw=dict(raw),
    )


class GoPlusSecurity:
    """Client of the GoPlus token_security API over an injected requests.Session."""

    def __init__(
        self,
        session: requests.Session,
        base_url: str,
        limits: HttpLimits,
        batch_size: int = 20,
        access_token: str = "",
        gate: Gate = DIRECT,
    ) -> None:
        self._gate = gate
        self._session = session
        self._base = base_url.rstrip("/")
        self._limits = limits
        self._auth = {"Authorization": access_token} if access_token else {}
        self.max_batch = batch_size

    def _request(self, spec: Chain, addresses: Sequence[str]) -> Mapping[str, Any]:
        """One call for a batch of one chain; returns the result keyed by address."""
        route = EVM_ROUTE if spec.evm else SOLANA_ROUTE
        path = f"/token_security/{spec.goplus_id}" if spec.evm else "/solana/token_security"
        params = {"contract_addresses": ",".join(addresses)}
        url = f"{self._base}{path}"

        def send() -> Mapping[str, Any]:
            response = get_json(self._session, url, route, self._limits, params, self._auth, self._gate.observe)
            return check_envelope(route, response.body)

        result = self._gate.call(route, send)
        return {normalize_address(spec, key): value for key, value in result.items() if isinstance(key, str)}

    def token_security(self, chain: str, addresses: Sequence[str]) -> Batch[SecurityReport]:
        """One report per address, in one call; an address GoPlus does not know is unindexed."""
        spec = chain_by_slug(chain)
        if spec is None:
            raise ValueError(f"unsupported chain {chain!r}")
        if not 1 <= len(addresses) <= self.max_batch:
            raise ValueError(f"token_security takes 1 to {self.max_batch} addresses, got {len(addresses)}")
        if not all(valid_address(spec, a) for a in addresses):
            raise ValueError(f"not every address is a {chain} address")
        result = self._request(spec, addresses)
        parse = parse_evm if spec.evm else parse_solana
        reports, skipped = [], 0
        for address in dict.fromkeys(normalize_address(spec, a) for a in addresses):
            entry = result.get(address)
            try:
                reports.append(parse(spec, address, require_mapping(entry, "entry")))
            except Malformed:
                skipped += entry is not None
                reports.append(SecurityReport.unindexed(spec.slug, address))
        return Batch(tuple(reports), skipped)
