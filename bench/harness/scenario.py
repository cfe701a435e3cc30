"""Render the XML scenarios under bench/scenarios for one run.

The scenario files are valid Tsung scenarios on their own (target
127.0.0.1:8080). A run needs a few values changed: the port of the private
nginx, the duration, the number of users. This is done with small textual
edits (attribute values and the <servers>/<clients> blocks), so the DOCTYPE,
comments and layout stay exactly as written, and the same rendered file is
given to Tsung and to Stampede.
"""

from __future__ import annotations

import re
from pathlib import Path

SCENARIO_DIR = Path(__file__).resolve().parent.parent / "scenarios"


class Scenario:
    """The text of a scenario, edited in place by the set_* methods."""

    def __init__(self, name_or_path: str | Path) -> None:
        path = Path(name_or_path)
        if not path.exists():
            path = SCENARIO_DIR / (str(name_or_path) if str(name_or_path).endswith(".xml") else f"{name_or_path}.xml")
        self.source = path
        self.text = path.read_text()

    # -- generic edits -------------------------------------------------------
    def set_attr(self, tag: str, attr: str, value: object, *, nth: int | None = None) -> "Scenario":
        """Set `attr` on every (or the nth) start tag `<tag ...>`; add it if missing."""
        pattern = re.compile(rf"<{tag}(\s[^>]*?)?(/?)>", re.S)
        matches = list(pattern.finditer(self.text))
        if not matches:
            raise ValueError(f"{self.source.name}: no <{tag}> element")
        targets = matches if nth is None else [matches[nth]]
        for m in reversed(targets):
            attrs, close = m.group(1) or "", m.group(2)
            attr_re = re.compile(rf'(\s{attr}\s*=\s*")[^"]*(")')
            if attr_re.search(attrs):
                attrs = attr_re.sub(lambda a: f"{a.group(1)}{value}{a.group(2)}", attrs, count=1)
            else:
                attrs = f'{attrs} {attr}="{value}"'
            self.text = self.text[: m.start()] + f"<{tag}{attrs}{close}>" + self.text[m.end() :]
        return self

    def replace_block(self, tag: str, inner: str) -> "Scenario":
        """Replace the content between <tag ...> and </tag>."""
        pattern = re.compile(rf"(<{tag}(\s[^>]*)?>)(.*?)(</{tag}>)", re.S)
        if not pattern.search(self.text):
            raise ValueError(f"{self.source.name}: no <{tag}> block")
        self.text = pattern.sub(lambda m: f"{m.group(1)}{inner}{m.group(4)}", self.text, count=1)
        return self

    # -- the edits the benchmarks need ---------------------------------------
    def set_servers(self, host: str, ports: list[int]) -> "Scenario":
        """One <server> per port (Tsung picks one per user, weighted equally)."""
        servers = "".join(f'\n    <server host="{host}" port="{p}" type="tcp"/>' for p in ports)
        return self.replace_block("servers", servers + "\n  ")

    def set_client(self, *, maxusers: int, source_ips: list[str] | None = None) -> "Scenario":
        """One local client running users in the controller VM, optionally with <ip>s."""
        ips = "".join(f'\n      <ip value="{ip}"/>' for ip in (source_ips or []))
        if ips:
            client = f'\n    <client host="localhost" use_controller_vm="true" maxusers="{maxusers}">{ips}\n    </client>\n  '
        else:
            client = f'\n    <client host="localhost" use_controller_vm="true" maxusers="{maxusers}"/>\n  '
        return self.replace_block("clients", client)

    def set_duration(self, seconds: int) -> "Scenario":
        """<load duration> and the phase duration (the phase lasts the whole test)."""
        self.set_attr("load", "duration", seconds)
        return self.set_attr("arrivalphase", "duration", seconds, nth=0)

    def set_users(self, maxnumber: int, arrivalrate: float | None = None) -> "Scenario":
        self.set_attr("users", "maxnumber", maxnumber, nth=0)
        if arrivalrate is not None:
            self.set_attr("users", "arrivalrate", _num(arrivalrate), nth=0)
        return self

    def set_phase_duration(self, seconds: int) -> "Scenario":
        return self.set_attr("arrivalphase", "duration", seconds, nth=0)

    def set_thinktime(self, seconds: float) -> "Scenario":
        return self.set_attr("thinktime", "value", _num(seconds))

    def set_option(self, name: str, value: object) -> "Scenario":
        """Add a global `<option name=... value=...>` (an `<options>` block before `<sessions>`)."""
        option = f'<option name="{name}" value="{value}"/>'
        if "<options>" in self.text:
            self.text = self.text.replace("<options>", f"<options>\n    {option}", 1)
        else:
            self.text = self.text.replace("<sessions>", f"<options>\n    {option}\n  </options>\n\n  <sessions>", 1)
        return self

    def write(self, path: Path) -> Path:
        path.write_text(self.text)
        return path


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)
