"""A helper process the tests or the simulator start and must always tear down (the real sushy-emulator,
the IPMI BMC fleet): a context manager whose ``start`` failing still runs ``stop``."""

from __future__ import annotations

from types import TracebackType
from typing import Self

__all__ = ["ManagedProcess"]


class ManagedProcess:
    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
