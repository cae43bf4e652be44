"""OrderHub's benchmarks: sync speed, API economy and memory, beside a baseline and the limit.

`bench/run.py` (or `make bench`) runs every scenario. Each one starts `orderhub sandbox` as its
own process and the hub side as another (`orderhub_bench.driver`), both on loopback, so the
CPU and memory of each side are measured apart. Figures are read against the targets of
issue 6, never asserted.
"""

__all__: list[str] = []
