// Numbers as traders read them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { age, count, percent, price, share, shortAddress, trend, usd } from "../../../static/js/dashboard/format.js";

test("dollar amounts are compact", () => {
  assert.equal(usd(1234), "$1.2K");
  assert.equal(usd(3_400_000), "$3.4M");
  assert.equal(usd(1_500_000_000), "$1.5B");
  assert.equal(usd(950), "$950");
  assert.equal(usd(0.42), "$0.42");
  assert.equal(usd(-2500), "-$2.5K");
  assert.equal(usd(null), "—");
  assert.equal(usd(999_950), "$1M"); // never "$1000K"
  assert.equal(usd(999.6), "$1K");
  assert.equal(usd(85.53), "$86");
  assert.equal(usd(Number.NaN), "—");
});

test("prices keep four significant digits and count long runs of zeros", () => {
  assert.equal(price(0.00001234), "$0.0₄1234");
  assert.equal(price(0.0009032), "$0.0009032");
  assert.equal(price(5.99030808678e-8), "$0.0₇599");
  assert.equal(price(0.5), "$0.5");
  assert.equal(price(0.999999), "$1");
  assert.equal(price(1.23456), "$1.2346");
  assert.equal(price(12345.6), "$12,346");
  assert.equal(price(0), "$0");
  assert.equal(price(undefined), "—");
});

test("changes, shares, counts and ages", () => {
  assert.equal(percent(12.345), "+12.3%");
  assert.equal(percent(-4), "-4.0%");
  assert.equal(percent(-0.01), "0.0%");
  assert.equal(percent(999.96), "+1000%");
  assert.equal(trend(-0.01), "flat");
  assert.equal(trend(3), "up");
  assert.equal(share(0.0512), "5.1%");
  assert.equal(share(1), "100%");
  assert.equal(count(25_400), "25.4K");
  assert.equal(count(1234), "1,234");
  assert.equal(count(999_999), "1M");
  assert.equal(age(45_000), "45 s");
  assert.equal(age(4 * 60_000), "4 m");
  assert.equal(age(3 * 3_600_000), "3 h");
  assert.equal(age(2 * 86_400_000), "2 d");
  assert.equal(age(-1), "—");
  assert.equal(shortAddress("0xccaa0d0da3e3ee404584e2b6ff4f12f3a8fbc3a4"), "0xccaa…c3a4");
});
