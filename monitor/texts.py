"""What the commands say to people, in Swedish (the default) and English.

Each command module keeps its own `Texts`: one dictionary per language with the same keys,
written with `monitor.phrasing` templates ("{n:leverantör|leverantörer}"), so a sentence and
its translation sit side by side and a reviewer can read both. What programs read stays
English whatever the language: JSON keys, CSV headers, exit codes and log lines.

    TEXTS = Texts(sv={"imported": "{rows:rad|rader} importerade"}, en={"imported": "{rows:row|rows} imported"})
    console.print(TEXTS(language, "imported", rows=3))
"""

from __future__ import annotations

import string
from typing import Any

from monitor.phrasing import fill

LANGUAGES = ("sv", "en")
# Every catalogue made, so one test can check them all for missing or mismatched translations.
ALL: list[Texts] = []


class Texts:
    def __init__(self, *, sv: dict[str, str], en: dict[str, str]) -> None:
        self.catalogues = {"sv": sv, "en": en}
        ALL.append(self)

    def __call__(self, language: str, key: str, **args: Any) -> str:
        catalogue = self.catalogues.get(language) or self.catalogues["sv"]
        return fill(catalogue[key], args, language)

    def for_language(self, language: str) -> Translator:
        return Translator(self, language)

    def problems(self) -> list[str]:
        """Keys missing in a language, or translations that do not use the same numbers and names."""
        sv, en = self.catalogues["sv"], self.catalogues["en"]
        out = [f"{key}: no English" for key in sv.keys() - en.keys()]
        out += [f"{key}: no Swedish" for key in en.keys() - sv.keys()]
        for key in sv.keys() & en.keys():
            if _names(sv[key]) != _names(en[key]):
                out.append(f"{key}: {sorted(_names(sv[key]))} in Swedish, {sorted(_names(en[key]))} in English")
        return out


class Translator:
    """A catalogue bound to the run's language: `t("imported", rows=3)`."""

    def __init__(self, texts: Texts, language: str) -> None:
        self.texts, self.language = texts, language

    def __call__(self, key: str, **args: Any) -> str:
        return self.texts(self.language, key, **args)


def _names(template: str) -> set[str]:
    return {name.split(".")[0] for _, name, _, _ in string.Formatter().parse(template.replace(";;", "")) if name}
