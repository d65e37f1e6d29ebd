"""GoPlus: contract security, batched per chain; EVM chains and Solana on their own paths."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import requests

from token_discovery.models import SECURITY_FLAGS, Batch, DexPool, Holder, SecurityReport
from token_discovery.sources.base import BadPayload, RateLimited, RequestRejected, SourceUnavailable
from token_discovery.sources.chains import Chain, chain_by_slug, normalize_address, valid_address
from token_discovery.sources.http import DIRECT, Gate, HttpLimits, get_json
from token_discovery.sources.parsing import (
    Malformed,
    clean_text,
    require_mapping,
    to_flag,
    to_float,
    to_fraction,
    to_int,
)

EVM_ROUTE = "goplus.token_security"
SOLANA_ROUTE = "goplus.solana_token_security"
CODE_OK = 1
CODE_PARTIAL = 2
CODE_RATE_LIMITED = 4029
CODE_SERVER_ERROR = 5000

# Solana status objects ({"status": "1", "authority": [...]}) mapped onto the EVM flag names.
_SOLANA_STATUS_FLAGS = {
    "mintable": "is_mintable",
    "freezable": "freezable",
    "closable": "closable",
    "balance_mutable_authority": "owner_change_balance",
    "metadata_mutable": "metadata_mutable",
    "transfer_fee_upgradable": "slippage_modifiable",
}


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


def _holders(raw: Any) -> tuple[Holder, ...]:
    """Top holders; rows without an address are dropped."""
    if not isinstance(raw, list):
        return ()
    holders = []
    for row in raw[:20]:
        if not isinstance(row, Mapping):
            continue
        # Solana rows name the owner `account` and its token account `token_account`: keep the owner,
        # so that one wallet spread over several token accounts is seen as one holder.
        address = row.get("address") or row.get("account") or row.get("token_account")
        if isinstance(address, str) and address:
            holders.append(
                Holder(
                    address=address[:64],
                    percent=to_fraction(row.get("percent")),
                    is_locked=to_flag(row.get("is_locked")),
                    is_contract=to_flag(row.get("is_contract")),
                    tag=clean_text(row.get("tag"), 40) or "",
                )
            )
    return tuple(holders)


def _dex_pools(raw: Any) -> tuple[DexPool, ...]:
    """The pools GoPlus lists: EVM entries give `liquidity` and `pair`, Solana ones `tvl` and `id`."""
    if not isinstance(raw, list):
        return ()
    pools = []
    for row in raw[:20]:
        if not isinstance(row, Mapping):
            continue
        liquidity = to_float(row.get("liquidity", row.get("tvl")))
        pair = row.get("pair", row.get("id"))
        pools.append(
            DexPool(
                name=clean_text(row.get("name", row.get("dex_name")), 40),
                pair=pair[:64] if isinstance(pair, str) and pair else None,
                liquidity_usd=liquidity if liquidity is not None and liquidity >= 0 else None,
            )
        )
    return tuple(pools)


def _text_or_none(value: Any) -> str | None:
    """An address-like string as GoPlus gave it ("" stays "": it means no owner)."""
    return value[:64] if isinstance(value, str) else None


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
        holders=_holders(raw.get("holders")),
        lp_holder_count=to_int(raw.get("lp_holder_count")),
        lp_holders=_holders(raw.get("lp_holders")),
        owner_address=_text_or_none(raw.get("owner_address")),
        owner_percent=to_fraction(raw.get("owner_percent")),
        creator_address=_text_or_none(raw.get("creator_address")),
        creator_percent=to_fraction(raw.get("creator_percent")),
        creator_honeypots=to_int(raw.get("honeypot_with_same_creator")),
        dex_pools=_dex_pools(raw.get("dex")),
        raw=dict(raw),
    )


def _status(raw: Any) -> bool | None:
    """The flag inside a Solana status object."""
    return to_flag(raw.get("status")) if isinstance(raw, Mapping) else None


def _solana_fee(raw: Any) -> float | None:
    """The current transfer fee as a fraction; the docs give both basis points and ratios."""
    if not isinstance(raw, Mapping):
        return None
    current = raw.get("current_fee_rate")
    if not raw or not isinstance(current, Mapping):
        return 0.0 if isinstance(raw, Mapping) and not raw else None
    rate = to_float(current.get("fee_rate"))
    if rate is None or rate < 0:
        return None
    return to_fraction(rate / 10_000 if rate > 1 else rate)


def _solana_flags(raw: Mapping[str, Any]) -> dict[str, bool | None]:
    """The EVM-named flags that a Solana entry answers; the rest stay unknown."""
    flags: dict[str, bool | None] = dict.fromkeys(SECURITY_FLAGS)
    for key, name in _SOLANA_STATUS_FLAGS.items():
        flags[name] = _status(raw.get(key))
    flags["non_transferable"] = to_flag(raw.get("non_transferable", raw.get("none_transferable")))
    hook = raw.get("transfer_hook")
    flags["transfer_hook"] = bool(hook) if isinstance(hook, list) else None
    flags["trusted_token"] = to_flag(raw.get("trusted_token"))
    return flags


def parse_solana(chain: Chain, address: str, raw: Mapping[str, Any]) -> SecurityReport:
    """A report from a Solana token_security entry."""
    creators = raw.get("creators", raw.get("creator"))
    first = creators[0] if isinstance(creators, list) and creators else {}
    fee = _solana_fee(raw.get("transfer_fee"))
    return SecurityReport(
        chain=chain.slug,
        address=address,
        indexed=True,
        flags=_solana_flags(raw),
        buy_tax=fee,
        sell_tax=fee,
        transfer_tax=fee,
        holder_count=to_int(raw.get("holder_count")),
        holders=_holders(raw.get("holders")),
        lp_holders=_holders(raw.get("lp_holders")),
        creator_address=_text_or_none(first.get("address")) if isinstance(first, Mapping) else None,
        creator_honeypots=_malicious_creators(creators),
        dex_pools=_dex_pools(raw.get("dex")),
        raw=dict(raw),
    )


def _malicious_creators(creators: Any) -> int | None:
    """How many creators GoPlus flags as malicious; None when it does not say."""
    if not isinstance(creators, list):
        return None
    marks = [to_int(c.get("malicious_address")) for c in creators if isinstance(c, Mapping)]
    known = [mark for mark in marks if mark is not None]
    return sum(1 for mark in known if mark) if known else None


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
