"""The pipeline of one scan: discovery, enrichment, candles, analysis, store-then-announce, follow-ups, rescore."""
