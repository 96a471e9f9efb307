"""Using Streamlit's widgets as a person does, in the browser: by their labels, with the pointer
and the keyboard. Each helper changes one control; the test then waits with ``settled`` for
what the change should draw.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import expect

from tests.e2e.settle import settled

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def open_list(page: Page, label: str) -> Locator:
    """Open the list of the select box (or multiselect) labelled ``label``; its options.

    By the keyboard: on some pages the first click on a select box after another one's
    list has closed only focuses it, and a second click opens it.

    A key that reaches the box while a run is redrawing it can be lost (the box it went to has
    been replaced): if no list opens, the box is opened again, by the keyboard and then by the
    pointer, a bounded number of times.
    """
    box = page.get_by_role("combobox", name=label, exact=True)
    items = page.get_by_role("option")
    for attempt in range(_OPEN_ATTEMPTS):
        settled(page, box)
        if items.count():  # the list opened late, after the previous wait
            break
        if attempt % 2 == 0:
            box.focus()
            box.press("ArrowDown")
        else:
            box.click()
        try:
            expect(items.first).to_be_visible(timeout=_OPEN_WAIT_MS)
            break
        except AssertionError:
            continue
    settled(page, items.first)  # the list has opened and stopped moving
    return items


# How often, and how long each time, to wait for a select box's list to open.
_OPEN_ATTEMPTS = 4
_OPEN_WAIT_MS = 5_000


def close_list(page: Page) -> None:
    """Close an open list (a multiselect's stays open after a pick)."""
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_have_count(0)


SELECT_ALL = "Select all"  # a multiselect's first entry


def options(page: Page, label: str) -> list[str]:
    """The choices of the select box (or multiselect) labelled ``label``."""
    texts = open_list(page, label).all_inner_texts()
    close_list(page)
    return [t for t in texts if t != SELECT_ALL]


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the select box (or multiselect) labelled ``label``.

    A multiselect's list stays open, and the page hears of the picks when it closes.
    """
    open_list(page, label)
    page.get_by_role("option", name=option, exact=True).click()


def pick(page: Page, label: str, option: str) -> None:
    """Select ``option`` of the radio buttons labelled ``label``."""
    page.get_by_role("radiogroup", name=label, exact=True).get_by_text(option, exact=True).click()


def enter(page: Page, label: str, text: str) -> None:
    """Type ``text`` into the text or number input labelled ``label`` and press Enter."""
    box = page.get_by_label(label, exact=True)
    box.fill(text)
    box.press("Enter")


def expect_value(page: Page, label: str, value: str) -> None:
    """Wait until the page has one input labelled ``label`` and it holds ``value``.

    While a run replaces a form, the old input and the new one can both be on the page.
    """
    page.wait_for_function(
        """([label, value]) => {
            const boxes = [...document.querySelectorAll("input, textarea")]
                .filter(box => box.getAttribute("aria-label") === label);
            return boxes.length === 1 && boxes[0].value === value;
        }""",
        arg=[label, value],
    )


def open_expander(page: Page, title: str, inside: Locator) -> None:
    """Open the expander titled ``title`` and wait until ``inside`` shows, still."""
    page.locator('[data-testid="stExpander"] summary').filter(has_text=title).click()
    settled(page, inside)


def upload(page: Page, label: str, path: Path) -> None:
    """Upload ``path`` with the file uploader labelled ``label``, through the file chooser."""
    uploader = page.locator('[data-testid="stFileUploader"]').filter(has_text=label)
    button = uploader.get_by_role("button", name="Upload", exact=True)
    settled(page, button)
    with page.expect_file_chooser() as chooser:
        button.click()
    chooser.value.set_files(str(path))


def cells(table: Locator, index: int) -> Locator:
    """The cells of the ``index``-th column (from 1) of a table the page drew (a dataframe).

    The grid paints on a canvas and keeps an accessible copy of its cells in the page, which
    it writes a moment after a run has ended: wait for the cells expected (``expect``), do not
    read them at once.
    """
    return table.locator(f'td[role="gridcell"][aria-colindex="{index}"]')
