"""On-demand benchmarks of psm-bot (`python -m bench`, `make bench`); never run by the tests.

Each benchmark drives the real stack (storage on disk with the production PRAGMAs, the inbox
worker, the form engine, the outbox sender, Telegram rendering through python-telegram-bot)
and writes its figures to `bench/results/<name>.json`: `steps` (durable conversation steps:
throughput and latency), `scale` (queries on 1,000,000 cases), `stalls` (everyone's steps
while statistics run on that database), `footprint` (start-up time and memory of the real
process). `bench/case_scale.py` (statistics and exports at scale) came with those features.
"""
