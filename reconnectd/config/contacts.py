"""The `contacts:` section: one address book (CardDAV `url`, or a local `path`) and the groups whose
members become people, each with a rhythm and a few of a person's fields."""

from __future__ import annotations

from typing import Any

import yaml

from reconnectd.config.nodes import Node, Reader, join
from reconnectd.config.schema import CONTACTS_KEYS, GROUP_KEYS
from reconnectd.config.sections import dav_url, login
from reconnectd.config.values import parse_cadence, parse_channel, parse_name, parse_path, parse_style
from reconnectd.policy.model import fold
from reconnectd.policy.settings import ContactsSettings, GroupRule

SOURCE_EXAMPLE = 'url: "https://dav.example.com/remote.php/dav/addressbooks/users/sam/contacts/", or path: ~/contacts'


def read_contacts(reader: Reader, node: Node) -> ContactsSettings | None:
    keys = reader.mapping(node, "contacts", CONTACTS_KEYS)
    if not isinstance(node, yaml.MappingNode):
        return None
    values: dict[str, Any] = {"line": reader.line(node)}
    if "url" in keys and "path" in keys:
        reader.problem(keys["path"], "contacts.path", "is given together with url; keep one address book (url or path)")
        return None
    if "url" not in keys and "path" not in keys:
        reader.problem(node, "contacts.url", f"is missing: name the address book ({SOURCE_EXAMPLE})")
        return None
    if "url" in keys:
        values["url"] = dav_url(reader, keys["url"], "contacts.url")
    else:
        values["path"] = reader.parsed(keys["path"], "contacts.path", parse_path)
        for key in ("username", *(k for k in keys if k.startswith("password")), "verify_tls"):
            if key in keys:
                reader.problem(keys[key], join("contacts", key), "only goes with url: (a local path needs no login)")
    values.update(login(reader, keys, "contacts"))
    if "groups" in keys:
        values["groups"] = _groups(reader, keys["groups"])
    if values.get("url", "") is None or values.get("path", "") is None:
        return None
    return ContactsSettings(**{k: v for k, v in values.items() if v is not None})


def _groups(reader: Reader, node: Node) -> tuple[GroupRule, ...] | None:
    """`Family: {every: 2 weeks, prefers: call}`, or only the rhythm: `Friends: monthly`."""
    if not isinstance(node, yaml.MappingNode):
        reader.problem(node, "contacts.groups", "expected a mapping of group names to rhythms, like Family: 2 weeks")
        return None
    rules: list[GroupRule] = []
    seen: dict[str, int] = {}
    ok = True
    for name_node, rule_node in node.value:
        name = (
            reader.parsed(name_node, "contacts.groups", parse_name) if isinstance(name_node, yaml.ScalarNode) else None
        )
        if name is None:
            if not isinstance(name_node, yaml.ScalarNode):
                reader.problem(name_node, "contacts.groups", "a group name must be plain text, like Family")
            ok = False
            continue
        path = join("contacts.groups", name)
        if fold(name) in seen:
            reader.problem(name_node, path, f"appears twice (first at line {seen[fold(name)]}); keep one")
            ok = False
            continue
        seen[fold(name)] = reader.line(name_node)
        rule = _rule(reader, name, rule_node, path)
        ok = ok and rule is not None
        if rule is not None:
            rules.append(rule)
    return tuple(rules) if ok else None


def _rule(reader: Reader, name: str, node: Node, path: str) -> GroupRule | None:
    if isinstance(node, yaml.ScalarNode):
        every = reader.parsed(node, path, parse_cadence)
        return GroupRule(name.strip(), every, line=reader.line(node)) if every is not None else None
    if not isinstance(node, yaml.MappingNode):
        reader.problem(node, path, "expected a rhythm (like 2 weeks) or a mapping with every: and a person's fields")
        return None
    keys = reader.mapping(node, path, GROUP_KEYS)
    if "every" not in keys:
        if join(path, "every") not in reader.misspelt:
            reader.problem(node, join(path, "every"), "is missing (write, for example, every: 2 weeks)")
        return None
    values: dict[str, Any] = {"every": reader.parsed(keys["every"], join(path, "every"), parse_cadence)}
    if "prefers" in keys:
        values["prefers"] = reader.parsed(keys["prefers"], join(path, "prefers"), parse_channel)
    if "style" in keys:
        values["style"] = reader.parsed(keys["style"], join(path, "style"), parse_style)
    if "notify" in keys:
        values["route"] = reader.text(keys["notify"], join(path, "notify"))
    if any(v is None for v in values.values()):
        return None
    return GroupRule(name.strip(), line=reader.line(node), **values)
