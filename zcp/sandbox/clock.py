"""The sandbox tells time with zcp's one clock (:mod:`zcp.clock`); these names are re-exported here."""

from __future__ import annotations

from zcp.clock import EPOCH, Clock, ManualClock, SystemClock

__all__ = ["EPOCH", "Clock", "ManualClock", "SystemClock"]
