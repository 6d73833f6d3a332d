"""Redfish BMCs: sushy-tools' fake driver served in-process, driven through the `sushy` client library.

In-process mode calls the sushy-emulator Flask app (`sushy_tools.emulator.main.app`) as a WSGI application
(what Flask's test client does, without its request-builder overhead):
`InProcessRedfish` installs, per simulated world, a fake systems driver whose power and boot state live in
`Hardware` objects (simulator clock + seeded `random.Random`, not wall time and global random), and an
in-memory store instead of sushy-tools' sqlite `PersistentDict`. `sushy.Sushy` reaches it through a sushy
`Connector` whose HTTP session hands each request to the app, so every call is a Redfish HTTP exchange
(method, path, headers, JSON body, status) without a socket.
The fidelity mode (a real `sushy-emulator` process) lives in `fakes.baremetal.emulator`.
"""

from __future__ import annotations

import base64
import io
import json as _json
import logging
import warnings
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

import requests
import sushy
from requests.structures import CaseInsensitiveDict
from sushy import auth as sushy_auth
from sushy import exceptions as sushy_exc
from sushy.connector import Connector

with warnings.catch_warnings():
    # sushy-tools imports webob, which imports the stdlib `cgi` module (deprecated in 3.11, removed in 3.13).
    warnings.filterwarnings("ignore", message="'cgi' is deprecated", category=DeprecationWarning)
    from sushy_tools.emulator import main as emulator_main
from sushy_tools import error as emulator_error
from sushy_tools.emulator import memoize
from sushy_tools.emulator.resources import vmedia as emulator_vmedia
from sushy_tools.emulator.resources.systems import fakedriver
from sushy_tools.emulator.resources.systems.base import AbstractSystemsDriver

from fakes.baremetal.errors import BmcAuthError, BmcServerError, BmcUnreachable
from fakes.baremetal.faults import FaultSchedule
from fakes.baremetal.hardware import Hardware

__all__ = ["InProcessRedfish", "RedfishBmc", "SimUnreachable", "sushy_root"]

SIM_BASE_URL = "http://redfish.sim"
_SYSTEMS = "/redfish/v1/Systems/"
_BOOT_TO_REDFISH = {"pxe": sushy.BOOT_SOURCE_TARGET_PXE, "disk": sushy.BOOT_SOURCE_TARGET_HDD,
                    "cdrom": sushy.BOOT_SOURCE_TARGET_CD}
_BOOT_FROM_REDFISH = {"Pxe": "pxe", "Hdd": "disk", "Cd": "cdrom", "None": "none"}
_RESET = {"on": sushy.RESET_ON, "off": sushy.RESET_FORCE_OFF, "reboot": sushy.RESET_FORCE_RESTART}


class _MemoryDict(dict):
    """Stands in for sushy-tools' sqlite-backed `PersistentDict`: no state outside the process."""

    def make_permanent(self, dbpath: object, dbfile: object) -> None:
        return None


def _install_in_memory_state() -> None:
    memoize.PersistentDict = _MemoryDict


class SimUnreachable(requests.exceptions.RequestException):
    """An unreachable simulated BMC. Not a `requests.ConnectionError`, so sushy does not sleep and retry:
    retries are the Ironic side's business and happen in virtual time."""


class _SimFakeDriver(fakedriver.FakeDriver):
    """sushy-tools' fake systems driver with power and boot state in `Hardware` (no wall clock, no global
    random); everything else (names, NICs, boot mode, boot images) is the fake driver's own behaviour."""

    def __init__(self, config: Mapping[str, Any], hardware: Mapping[str, Hardware], systems: list[dict]) -> None:
        self._config = dict(config)
        self._logger = logging.getLogger("fakes.baremetal.redfish")
        AbstractSystemsDriver.__init__(self)
        self._systems = _MemoryDict({s["uuid"]: dict(s) for s in systems})
        self._by_name = {s["name"]: s["uuid"] for s in systems}
        self._hardware = hardware

    def _update_if_needed(self, system: dict) -> dict:
        return system  # transitions are applied by Hardware against the simulator clock

    def get_power_state(self, identity: str) -> str:
        return self._hardware[self.uuid(identity)].power_state()

    def set_power_state(self, identity: str, state: str) -> None:
        hw = self._hardware[self.uuid(identity)]
        try:
            hw.request_power(state)
        except ValueError as exc:
            raise emulator_error.NotSupportedError(str(exc)) from exc

    def get_boot_device(self, identity: str) -> str:
        return self._hardware[self.uuid(identity)].boot_device

    def set_boot_device(self, identity: str, boot_source: str) -> None:
        self._hardware[self.uuid(identity)].set_boot_device(boot_source, persistent=True)


class _NoDownloadVmedia(emulator_vmedia.StaticDriver):
    """The emulator's virtual media driver, minus the image download (no network, no temp files)."""

    def _get_image(self, image_url: str, auth: object, verify_media_cert: object, custom_cert: object):
        name = image_url.rstrip("/").rsplit("/", 1)[-1] or "image.iso"
        return name, f"/sim/vmedia/{name}"


class _InProcessSession:
    """Stands in for the `requests.Session` of a sushy `Connector`: each request becomes one WSGI call of
    the emulator app (what Flask's test client does, minus its request-builder and requests' session
    overhead, which dominate at 1,000 nodes). Basic auth is checked against the node's credentials."""

    def __init__(self, world: InProcessRedfish) -> None:
        self._world = world
        self.headers: dict[str, str] = {}
        self.auth: tuple[str, str] | None = None

    def request(self, method: str, url: str, json: Any = None, headers: Mapping[str, str] | None = None,
                **kwargs: Any) -> requests.Response:
        all_headers = dict(self.headers)
        all_headers.update(headers or {})
        body = b""
        if json is not None:
            body = _json.dumps(json).encode()
            all_headers.setdefault("Content-Type", "application/json")
        parts = urlsplit(url)
        return self._world.handle(method, url, parts.path, parts.query, all_headers, body, self.auth)

    def mount(self, prefix: str, adapter: object) -> None:
        return None

    def close(self) -> None:
        return None


def _call_wsgi(app: Any, method: str, path: str, query: str, headers: Mapping[str, str],
               body: bytes) -> tuple[int, bytes, dict[str, str]]:
    """One WSGI call of the emulator app."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(path),
        "QUERY_STRING": query,
        "SERVER_NAME": "redfish.sim",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
    }
    for key, value in headers.items():
        name = key.upper().replace("-", "_")
        if name == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif name != "CONTENT_LENGTH":
            environ["HTTP_" + name] = value
    status: list[str] = []
    response_headers: list[tuple[str, str]] = []

    def start_response(status_line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status[:] = [status_line]
        response_headers[:] = headers

    chunks = app(environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return int(status[0].split(" ", 1)[0]), content, dict(response_headers)


def _response(url: str, status: int, body: bytes, headers: Mapping[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.headers = CaseInsensitiveDict(headers or {"Content-Type": "application/json"})
    response.url = url
    response.encoding = "utf-8"
    return response


class InProcessRedfish:
    """One simulated Redfish endpoint (like one sushy-emulator) serving many systems in-process."""

    def __init__(
        self,
        hardware: Mapping[str, Hardware],
        *,
        names: Mapping[str, str],
        clock: Callable[[], float],
        faults: FaultSchedule | None = None,
        credentials: Mapping[str, tuple[str, str]] | None = None,
    ) -> None:
        """`hardware` maps system UUID → Hardware; `names` maps system UUID → node name; `credentials` maps
        node name → (user, password) accepted by that node's BMC (any, if not given)."""
        _install_in_memory_state()
        self.clock = clock
        self.faults = faults or FaultSchedule()
        self.requests = 0
        self._names = dict(names)
        self._credentials = {name: _basic(*creds) for name, creds in (credentials or {}).items()}
        config: dict[str, Any] = {"SUSHY_EMULATOR_FAKE_DRIVER": True}
        systems = [
            {"uuid": uuid, "name": names[uuid], "power_state": "Off", "external_notifier": False, "nics": []}
            for uuid in hardware
        ]
        driver = _SimFakeDriver(config, hardware, systems)
        app = emulator_main.app
        self._cache: dict[Any, Any] = {
            _memoized(emulator_main.Application.systems): {(frozenset(), frozenset()): driver},
            _memoized(emulator_main.Application.vmedia): {
                (frozenset(), frozenset()): _NoDownloadVmedia(app.config, app.logger)
            },
        }

    def node_for_path(self, path: str) -> str | None:
        if path.startswith(_SYSTEMS) or path.startswith("/redfish/v1/Managers/"):
            ident = path.split("/")[4].split("?")[0]
            return self._names.get(ident)
        return None

    def handle(self, method: str, url: str, path: str, query: str, headers: Mapping[str, str], body: bytes,
               auth: tuple[str, str] | None) -> requests.Response:
        """Serve one request: BMC faults first, then basic auth, then the emulator app."""
        node = self.node_for_path(path)
        active = self.faults.active(node, self.clock()) if node else frozenset()
        self.requests += 1
        if "unreachable" in active:
            raise SimUnreachable(f"simulated BMC of {node} unreachable")
        if "http_5xx" in active:
            return _response(url, 503, b'{"error": {"message": "simulated BMC fault"}}')
        expected = self._credentials.get(node) if node else None
        if "wrong_credentials" in active or (expected is not None and (auth is None or _basic(*auth) != expected)):
            return _response(url, 401, b'{"error": {"message": "simulated BMC rejected the credentials"}}')
        app = emulator_main.app
        app._cache = self._cache  # the app's memoized drivers belong to this world
        return _response(url, *_call_wsgi(app, method, path, query, headers, body))

    def root(self, user: str, password: str) -> sushy.Sushy:
        connector = Connector(SIM_BASE_URL, verify=True)
        connector._session.close()
        connector._session = _InProcessSession(self)
        return sushy_root(SIM_BASE_URL, user, password, connector=connector)


def _basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _memoized(prop: property) -> Callable[..., Any]:
    return prop.fget.__wrapped__  # type: ignore[union-attr]


def sushy_root(url: str, user: str, password: str, *, connector: Connector | None = None,
               retry_delay: float = 0.05) -> sushy.Sushy:
    """A `sushy.Sushy` with basic auth and no server-side GET retries (Ironic's side retries, in sim time)."""
    return sushy.Sushy(url, auth=sushy_auth.BasicAuth(user, password), connector=connector,
                       server_side_retries=0, server_side_retries_delay=retry_delay, read_timeout=10)


class RedfishBmc:
    """`BmcClient` over one Redfish system, through sushy."""

    def __init__(self, node: str, root_factory: Callable[[], sushy.Sushy], system_id: str) -> None:
        self.node = node
        self._root_factory = root_factory
        self._root: sushy.Sushy | None = None
        self._path = system_id if system_id.startswith("/") else _SYSTEMS + system_id
        self._system: Any = None

    def _call(self, operation: str, fn: Callable[[], Any]) -> Any:
        try:
            if self._root is None:
                self._root = self._root_factory()
            if self._system is None:
                self._system = self._root.get_system(self._path)
            return fn()
        except sushy_exc.AccessError as exc:
            raise BmcAuthError(self.node, operation, f"HTTP {exc.status_code}: credentials rejected") from exc
        except sushy_exc.ConnectionError as exc:
            raise BmcUnreachable(self.node, operation, str(exc)) from exc
        except sushy_exc.HTTPError as exc:
            raise BmcServerError(self.node, operation, f"HTTP {exc.status_code}: {exc.message}") from exc

    def power_state(self) -> str:
        def read() -> str:
            self._system.refresh()
            return "on" if self._system.power_state == sushy.POWER_STATE_ON else "off"

        return str(self._call("get power state", read))

    def set_power(self, action: str) -> None:
        self._call(f"power {action}", lambda: self._system.reset_system(_RESET[action]))

    def boot_device(self) -> str:
        def read() -> str:
            self._system.refresh()
            target = self._system.boot.target
            return _BOOT_FROM_REDFISH.get(getattr(target, "value", str(target)), str(target))

        return str(self._call("get boot device", read))

    def set_boot_device(self, device: str, persistent: bool = False) -> None:
        enabled = sushy.BOOT_SOURCE_ENABLED_CONTINUOUS if persistent else sushy.BOOT_SOURCE_ENABLED_ONCE
        self._call(f"set boot device {device}",
                   lambda: self._system.set_system_boot_options(target=_BOOT_TO_REDFISH[device], enabled=enabled))

    def insert_virtual_media(self, url: str) -> None:
        def insert() -> None:
            manager = self._system.managers[0]
            manager.virtual_media.get_member(manager.virtual_media.members_identities[0]).insert_media(
                url, inserted=True, write_protected=True)

        self._call("insert virtual media", insert)

    def virtual_media(self) -> str | None:
        def read() -> str | None:
            manager = self._system.managers[0]
            vm = manager.virtual_media.get_member(manager.virtual_media.members_identities[0])
            vm.refresh()
            return vm.image if vm.inserted else None

        return self._call("get virtual media", read)
