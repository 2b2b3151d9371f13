"""The user's language: chosen in the sidebar, by default the browser's (Spanish for any Spanish locale)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from skinscan_ui.serve import i18n


def current() -> str:
    if st.session_state.get("lang") not in i18n.LANGUAGES:
        st.session_state["lang"] = i18n.language_for(st.context.locale)
    return st.session_state["lang"]


def t(key: str, **params) -> str:
    """A catalog sentence in the user's language."""
    return i18n.text(key, current(), **params)


def say(message: str) -> str:
    """A core message (an outcome's reason, an image problem) in the user's language."""
    return i18n.say(message, current())


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$:"})


def plain(user_text: str) -> str:
    """Text a user supplied (a file name), escaped so Markdown shows it as typed: no link, no bold."""
    return user_text.translate(_MARKDOWN)


def class_name(dx: str) -> str:
    return t(f"class.{dx}")


def bound() -> Callable[..., str]:
    """`t` fixed to the current language, for widget format functions (called outside the script run)."""
    return partial(i18n.text, lang=current())
