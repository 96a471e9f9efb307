"""An interaction sweep through AppTest: every input widget of a page changed in turn.

Each input widget on the page is changed to another valid value (a widget inside a form is
changed and its form submitted), then the page is run twice; neither run may raise, and no
error box may carry an exception's words. The sweep goes on from the state it reached, so
values combine, and the widgets a change reveals are swept next.

Some widgets get more than one change, each a thing a person can do in the browser: a
radio (mostly a choice of view) goes through every option and back; a selectbox or number
box that starts empty is also emptied again; a date range is also left half picked.

Option widgets are changed the way a browser changes them: by sending the option's label
as shown (AppTest's own ``set_value`` wants the underlying value, which the tree does not
carry when a ``format_func`` is in play).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import (
    Button,
    ButtonGroup,
    Checkbox,
    ColorPicker,
    DateInput,
    Multiselect,
    NumberInput,
    Radio,
    Selectbox,
    SelectSlider,
    Slider,
    TextArea,
    TextInput,
    TimeInput,
    Toggle,
    Widget,
)
from streamlit.testing.v1.util import patch_config_options

from ddq.metrics import today_utc

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # seconds per run: generous, since the machine running the tests may be busy
MAX_STEPS = 80  # changes per sweep; a page has about 25, counting the ones revealed

INPUTS = (Selectbox, Radio, Multiselect, SelectSlider, ButtonGroup, Slider, NumberInput,
          TextInput, TextArea, DateInput, TimeInput, Checkbox, Toggle, ColorPicker)  # fmt: skip
CHOICES = (Selectbox, Radio, Multiselect, ButtonGroup)

# Words that only an exception puts in an error box: a Python or DuckDB exception's class
# name, or a traceback. A message a page chose to show (a refused value, say) has none.
EXCEPTION_WORDS = re.compile(
    r"Traceback|\b[A-Z][A-Za-z]*(Error|Exception)\b|NoneType|has no attribute|"
    r"not subscriptable|unsupported operand|invalid literal|object is not"
)


def run(at: AppTest) -> AppTest:
    """One run, with an exception's message and stack kept (the app hides them from users)."""
    with patch_config_options({"client.showErrorDetails": "full"}):
        return at.run()


def open_page(name: str, query: dict[str, Any] | None = None) -> AppTest:
    """``app_pages/<name>.py`` opened through the app's navigation, as a link would."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.switch_page(f"app_pages/{name}.py")
    return run(at)


def problems(at: AppTest) -> list[str]:
    """What went wrong in the last run: exceptions, and error boxes worded by one."""
    found = []
    for shown in at.exception:
        ours = [f for f in shown.stack_trace if str(ROOT) in f and "/.venv/" not in f]
        where = " / ".join(" ".join(f.split()) for f in ours[-2:])
        found.append(f"exception {shown.message!r} at {where}")
    for box in at.error:
        if EXCEPTION_WORDS.search(box.value):
            found.append(f"error box {box.value!r}")
    return found


def describe(node: Widget) -> str:
    text = f"{node.type} {getattr(node, 'label', '')!r}"
    if node.key:
        text += f" (key {node.key!r})"
    if form := getattr(node.proto, "form_id", ""):
        text += f" in form {form!r}"
    return text


def inputs(at: AppTest) -> Iterator[tuple[tuple[str, ...], Widget]]:
    """The input widgets now on the page, each with an identity that survives reruns.

    The identity is the widget's kind, label, form and rank among its namesakes, not its
    key: some keys carry a generation or the stored text, and change when the data does.
    """
    seen: dict[tuple[str, ...], int] = {}
    for node in (*at.main, *at.sidebar):
        if not isinstance(node, INPUTS) or getattr(node.proto, "disabled", False):
            continue
        base = (node.type, getattr(node, "label", ""), getattr(node.proto, "form_id", ""))
        rank = seen.get(base, 0)
        seen[base] = rank + 1
        yield (*base, str(rank)), node


# --- changing one widget ---------------------------------------------------------------------


def _send(node: Widget, fill: Callable[[WidgetState], None]) -> None:
    """Make ``node`` send this state on the next run, as the browser would after a change."""
    state = WidgetState()
    state.id = node.id
    fill(state)
    node.__class__ = type(f"Changed{type(node).__name__}", (type(node),),
                          {"_widget_state": property(lambda _self: state)})  # fmt: skip
    node._value = True  # anything but "unset": a form's submit then sends it


def _formatted(node: Widget, value: Any) -> str | None:
    if value is None:
        return None
    try:
        return node.format_func(value)
    except Exception:
        return value if isinstance(value, str) else None


def _next_option(options: list[str], current: str | None) -> str | None:
    if not options:
        return None
    if current not in options:
        return options[0]
    if len(options) == 1:
        return None
    return options[(options.index(current) + 1) % len(options)]


def _empties(node: Widget) -> bool:
    """Whether the person can empty the widget: it started empty (no default)."""
    return isinstance(node, (Selectbox, NumberInput)) and not node.proto.HasField("default")


def turns(node: Widget) -> int:
    """How many changes the sweep makes to this widget (see the module's docstring)."""
    if isinstance(node, Radio):
        return max(len(node.options), 1)
    if isinstance(node, DateInput) and node.proto.is_range:
        return 2
    return 2 if _empties(node) else 1


def text_for(label: str, current: str | None, limit: int) -> str:
    """A sensible, non-empty text for a text box, told apart from what it holds now."""
    words = label.lower()
    if "email" in words and "handle" not in words:
        text = "sweep.person@example.com"
    elif "link" in words or "url" in words:
        text = "https://example.com/sweep"
    elif "channel" in words:
        text = "#quality-sweep"
    elif "json" in words:
        text = '{"field": "priority", "in": ["Blocker"]}'
    elif "search" in words:
        text = "a"
    else:
        text = "Sweep text"
    if text == (current or ""):
        text = "Another sweep text"
    return text[:limit] if limit else text


def _another_date(node: DateInput, current: Any, turn: int) -> Any:
    low, high = node.min, node.max
    if node.proto.is_range:
        wanted = (max(low, high - dt.timedelta(days=7)), high)
        if tuple(current or ()) == wanted:
            wanted = (low, max(low, high - dt.timedelta(days=60)))
        return wanted[:1] if turn == 0 else wanted  # first only the start is picked
    start = current if isinstance(current, dt.date) else min(max(today_utc(), low), high)
    for step in (7, -7, 1, -1):
        day = start + dt.timedelta(days=step)
        if low <= day <= high and day != current:
            return day
    return None


def _another_number(node: NumberInput, current: Any) -> Any:
    step = node.step or 1
    low = node.min if node.min is not None else -1e9
    high = node.max if node.max is not None else 1e9
    if current is None:
        wanted = node.min if node.min is not None else 1
    else:
        wanted = current + step if current + step <= high else current - step
    if not low <= wanted <= high or wanted == current:
        return None
    return int(wanted) if node.proto.data_type == node.proto.INT else float(wanted)


def _change_choice(node: Widget) -> bool:
    if isinstance(node, (Selectbox, Radio)):
        chosen = _next_option(node.options, _formatted(node, node.value))
        if chosen is None:
            return False
        _send(node, lambda s: setattr(s, "string_value", chosen))
        return True
    if isinstance(node, Multiselect):
        current = [_formatted(node, v) for v in node.value]
        limit = node.proto.max_selections or len(node.options)
        spare = [o for o in node.options if o not in current]
        if spare and len(current) < limit:
            wanted = [*current, spare[0]]
        elif current:
            wanted = current[:-1]
        else:
            return False
        _send(node, lambda s: s.string_array_value.data.extend(wanted))
        return True
    if isinstance(node, SelectSlider):
        options, value = node.options, node.value
        if len(options) < 2:
            return False
        if isinstance(value, list | tuple) and len(value) == 2:
            current = [_formatted(node, v) for v in value]
            wanted = [options[1], options[-2]] if len(options) >= 4 else [options[0], options[-1]]
            if wanted == current:
                wanted = [options[0], options[len(options) // 2]]
        else:
            wanted = [_next_option(options, _formatted(node, value))]
        _send(node, lambda s: s.string_array_value.data.extend(wanted))
        return True
    if isinstance(node, ButtonGroup):
        current = list(node.formatted_values)
        chosen = _next_option(list(node.options), current[0] if current else None)
        if chosen is None:
            return False
        _send(node, lambda s: s.string_array_value.data.extend([chosen]))
        return True
    return False


def change(node: Widget, turn: int = 0) -> bool:
    """Make the ``turn``-th change to ``node``; False when there is no such change."""
    if turn == 1 and _empties(node):
        if node.value is None:
            return False
        node.set_value(None)
        return True
    if isinstance(node, (Checkbox, Toggle)):
        node.set_value(not node.value)
    elif isinstance(node, (TextInput, TextArea)):
        node.set_value(text_for(node.label, node.value, node.proto.max_chars))
    elif isinstance(node, NumberInput):
        wanted = _another_number(node, node.value)
        if wanted is None:
            return False
        node.set_value(wanted)
    elif isinstance(node, DateInput):
        wanted = _another_date(node, node.value, turn)
        if wanted is None:
            return False
        node.set_value(wanted)
    elif isinstance(node, TimeInput):
        current = node.value or dt.time(9, 0)
        node.set_value(dt.time((current.hour + 1) % 24, current.minute))
    elif isinstance(node, ColorPicker):
        node.set_value("#336699" if node.value != "#336699" else "#993366")
    elif isinstance(node, Slider):
        ranged = isinstance(node.value, list | tuple)
        node.set_value([node.min, node.max] if ranged else node.max)
    else:
        return _change_choice(node)
    return True


# --- the sweep -------------------------------------------------------------------------------


def submit_button(at: AppTest, form: str) -> Button | None:
    return next((b for b in at.button
                 if b.proto.is_form_submitter and b.proto.form_id == form
                 and not b.proto.disabled), None)  # fmt: skip


def _rank(identity: tuple[str, ...], node: Widget, before: set[tuple[str, ...]]) -> int:
    """Which widget to change next: the ones the last change revealed first, then plain
    inputs, then forms, then the choices that may hide the rest (selectboxes, radios)."""
    if identity not in before:
        return 0
    if isinstance(node, CHOICES):
        return 3
    return 2 if getattr(node.proto, "form_id", "") else 1


def sweep(reopen: Callable[[], AppTest], where: str) -> tuple[list[str], list[str]]:
    """Change every input widget of the page that ``reopen`` opens, in turn.

    Returns (failures, the changes made). After a failure the page is opened afresh and
    the sweep goes on with the widgets not yet changed, so that one failure hides no other.
    """
    at = reopen()
    failures = [f"{where}, on opening: {p}" for p in problems(at)]
    changes: list[str] = []
    made: dict[tuple[str, ...], int] = {}
    before = {i for i, _ in inputs(at)}
    for _ in range(MAX_STEPS):
        present = dict(inputs(at))
        todo = [(i, n) for i, n in present.items() if made.get(i, 0) < turns(n)]
        if not todo:
            break
        identity, node = min(todo, key=lambda t: _rank(*t, before))
        before = set(present)
        turn = made[identity] = made.get(identity, 0) + 1
        what = describe(node)
        if not change(node, turn - 1):
            continue
        form = getattr(node.proto, "form_id", "")
        if form and (submit := submit_button(at, form)) is not None:
            submit.click()
            what += ", submitted"
        changes.append(what)
        found: list[str] = []
        for attempt in ("first", "second"):
            run(at)
            found += [f"{where}, {what}, {attempt} run: {p}" for p in problems(at)]
            if found:
                break
        if found:
            failures += found
            at = reopen()
    else:
        failures.append(f"{where}: still changing after {MAX_STEPS} changes")
    return failures, changes
