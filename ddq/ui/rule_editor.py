"""The critical-bug rule editor: a builder and the JSON, two ways to edit one rule.

The builder's tree (:func:`ddq.rules.to_tree`) lives in the session; every change to it, made
by a widget's callback, rewrites the JSON box, and a JSON text that is a valid rule rebuilds
the tree. The builder's widgets carry a generation in their keys: a change of shape (an item
added or removed, the JSON applied) starts them again from the tree.
"""

from __future__ import annotations

import json
from typing import Any, cast

import streamlit as st

from ddq import rules
from ddq.ui.format import lines, plain

EXAMPLE_RULE = {"any": [{"field": "priority", "in": ["Blocker", "Critical"]},
                        {"all": [{"field": "labels", "has_any": ["security", "data-loss"]},
                                 {"field": "type", "in": ["Bug"]}]}]}  # fmt: skip


def _state(key: str) -> dict[str, Any]:
    return cast(dict[str, Any], st.session_state[f"{key}_editor"])


def _node(tree: dict[str, Any], path: tuple[int, ...]) -> dict[str, Any]:
    for i in path:
        tree = tree["items"][i]
    return tree


def _widget(key: str, path: tuple[int, ...], part: str) -> str:
    return f"{key}_{_state(key)['generation']}_{'.'.join(map(str, path))}_{part}"


def _write_json(key: str, *, reshaped: bool = False) -> None:
    editor = _state(key)
    if reshaped:
        editor["generation"] += 1
    editor["json_problems"] = []
    st.session_state[f"{key}_json"] = json.dumps(rules.from_tree(editor["tree"]), indent=2,
                                                 ensure_ascii=False)  # fmt: skip


def _changed(key: str, path: tuple[int, ...], part: str) -> None:
    node = _node(_state(key)["tree"], path)
    value = st.session_state[_widget(key, path, part)]
    reshaped = False
    if part == "field":
        node["field"] = value
        if node["op"] not in rules.operators_for(value):  # a list field has other operators
            node["op"] = rules.operators_for(value)[0]
            reshaped = True
    elif part == "op":
        node["op"] = value
    elif part == "values":
        node["values"] = list(value)
    else:  # a group's kind
        node["group"] = value
    _write_json(key, reshaped=reshaped)


def _add(key: str, path: tuple[int, ...], group: bool) -> None:
    item = {"field": "priority", "op": "in", "values": []}
    _node(_state(key)["tree"], path)["items"].append(
        {"group": "any", "items": [item]} if group else item
    )
    _write_json(key, reshaped=True)


def _remove(key: str, path: tuple[int, ...]) -> None:
    del _node(_state(key)["tree"], path[:-1])["items"][path[-1]]
    _write_json(key, reshaped=True)


def _json_changed(key: str) -> None:
    editor = _state(key)
    try:
        rule = rules.parse(st.session_state[f"{key}_json"])
    except rules.InvalidRule as exc:
        editor["json_problems"] = exc.problems
        return
    editor.update(tree=rules.to_tree(rule), json_problems=[])
    editor["generation"] += 1


def _condition(key: str, path: tuple[int, ...], node: dict[str, Any],
               known: dict[str, list[str]]) -> None:  # fmt: skip
    field, op, values, remove = st.columns([2, 2, 5, 1], vertical_alignment="bottom")
    field.selectbox("Field", rules.FIELDS, index=rules.FIELDS.index(node["field"]),
                    key=_widget(key, path, "field"), on_change=_changed,
                    args=(key, path, "field"))  # fmt: skip
    offered = rules.operators_for(node["field"])
    op.selectbox("Operator", offered, index=offered.index(node["op"]),
                 format_func=rules.OPERATOR_WORDS.__getitem__, key=_widget(key, path, "op"),
                 on_change=_changed, args=(key, path, "op"))  # fmt: skip
    if node["op"] in (rules.EMPTY_OP, rules.NOT_EMPTY):
        values.caption("(no names needed)")
    else:
        names = list(dict.fromkeys([*node["values"], *known.get(node["field"], [])]))
        values.multiselect("Names", names, default=node["values"], accept_new_options=True,
                           placeholder="Pick or type names", key=_widget(key, path, "values"),
                           on_change=_changed, args=(key, path, "values"))  # fmt: skip
    # An icon alone: a column this narrow cuts a word short; the tooltip says what it does.
    remove.button("", icon=":material/close:", key=_widget(key, path, "remove"),
                  on_click=_remove, args=(key, path), help="Remove this condition")  # fmt: skip


def _group(key: str, path: tuple[int, ...], node: dict[str, Any],
           known: dict[str, list[str]]) -> None:  # fmt: skip
    with st.container(border=True):
        label = "A bug is critical when" if not path else "Group: when"
        st.selectbox(label, rules.GROUP_KINDS, index=rules.GROUP_KINDS.index(node["group"]),
                     format_func=rules.GROUP_WORDS.__getitem__, key=_widget(key, path, "kind"),
                     on_change=_changed, args=(key, path, "kind"))  # fmt: skip
        for i, item in enumerate(node["items"]):
            child = (*path, i)
            if "group" in item:
                _group(key, child, item, known)
            else:
                _condition(key, child, item, known)
        buttons = st.columns(3)
        buttons[0].button("Add condition", icon=":material/add:", key=_widget(key, path, "add"),
                          on_click=_add, args=(key, path, False))  # fmt: skip
        if len(path) < rules.MAX_DEPTH - 2:
            buttons[1].button("Add group", icon=":material/account_tree:",
                              key=_widget(key, path, "group"), on_click=_add,
                              args=(key, path, True))  # fmt: skip
        if path:
            buttons[2].button("Remove group", icon=":material/delete:",
                              key=_widget(key, path, "remove"), on_click=_remove,
                              args=(key, path))  # fmt: skip


def rule_editor(start: dict[str, Any] | None, known: dict[str, list[str]],
                key: str = "draft_rule") -> str:  # fmt: skip
    """The rule builder and the JSON box, kept in step; returns the rule's JSON text."""
    if f"{key}_editor" not in st.session_state:
        rule = start or EXAMPLE_RULE
        st.session_state[f"{key}_editor"] = {"tree": rules.to_tree(rule), "generation": 0,
                                             "json_problems": []}  # fmt: skip
        st.session_state[f"{key}_json"] = json.dumps(rule, indent=2, ensure_ascii=False)
    editor = _state(key)
    builder, text = st.tabs(["Builder", "JSON"])
    with builder:
        if editor["json_problems"]:
            st.warning("The JSON box holds a rule that does not read, so the builder shows "
                       "the rule before it; fix the JSON or change the rule here.")  # fmt: skip
        _group(key, (), editor["tree"], known)
    with text:
        st.text_area("Rule (JSON)", key=f"{key}_json", height=260, on_change=_json_changed,
                     args=(key,),
                     help="The same rule as the builder: edit either.")  # fmt: skip
        if editor["json_problems"]:
            st.error(lines(["The JSON is not a rule yet:", *editor["json_problems"],
                            "Fix it here, or change the rule in the builder (which "
                            "replaces this text)."]))  # fmt: skip
        with st.popover("The rule language"):
            st.markdown(LANGUAGE_HELP)
    if not editor["json_problems"]:  # else said above, where the JSON is
        rule = rules.from_tree(editor["tree"])
        problems = rules.validate(rule)
        if problems:
            st.warning(lines(["Not finished yet:", *problems]))
        else:
            st.info(plain(rules.explain(rule)), icon=":material/rule:")
    return cast(str, st.session_state[f"{key}_json"])


def _ops_words(ops: tuple[str, ...]) -> str:
    return ", ".join(f"`{op}` ({rules.OPERATOR_WORDS[op]})" for op in ops)


LANGUAGE_HELP = (
    "A condition is a **field**, an **operator** and names. "
    + ", ".join(f"`{f}`" for f in rules.SCALAR_FIELDS)
    + f" take {_ops_words(rules.SCALAR_OPS)}; "
    + ", ".join(f"`{f}`" for f in rules.LIST_FIELDS)
    + f" take {_ops_words(rules.LIST_OPS)}; every field takes `{rules.EMPTY_OP}` (true or "
    "false). Combine conditions with `all`, `any` (lists) and `not`. Case and surrounding "
    "spaces do not matter. The README's *The critical-bug rule* has an example of each."
)
