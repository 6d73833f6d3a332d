"""The discrete-event core: virtual time on simpy, one seeded RNG tree, the event trace, fault scheduling.
It knows nothing of TripleO; domain behaviour plugs in through processes, trace records and fault handlers."""

from .faults import Fault, FaultScheduler
from .gcpause import cyclic_gc_paused
from .rng import RngTree
from .trace import Event, Trace

__all__ = ["Event", "Fault", "FaultScheduler", "RngTree", "Trace", "cyclic_gc_paused"]
