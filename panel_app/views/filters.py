"""The sidebar's dimension filters: one multi-choice per grain dimension of the dataset shown.

Choices.js renders option labels as HTML, so each label is the escaped value (the value itself stays raw).
"""

from __future__ import annotations

from typing import Any

import panel as pn

from panel_app.formatting import text
from panel_app.presentation import field_label
from panel_app.views.common import StoreView


class DimensionFilters(StoreView):
    """A multi-choice per grain dimension (none chosen = all), kept in step with `store.filters` both ways.

    The boxes are rebuilt when the dimensions change (another dataset); a run change only updates their options.
    """

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.widgets: dict[str, pn.widgets.MultiChoice] = {}
        self.layout = pn.Column(sizing_mode="stretch_width", margin=0)
        self.ds.param.watch(self._rebuild, "options")
        self.ds.param.watch(self._show_filters, "filters")
        self._rebuild()

    def _widget(self, dimension: str) -> pn.widgets.MultiChoice:
        box = pn.widgets.MultiChoice(
            label=f"{field_label(dimension).capitalize()} (none = all)",
            placeholder=f"All: no {field_label(dimension)} filter",
            sizing_mode="stretch_width",
        )
        box.param.watch(lambda event: self.ds.set_filter(dimension, list(event.new)), "value")
        return box

    def _rebuild(self, *_: object) -> None:
        options = self.ds.options
        if list(options) != list(self.widgets):
            self.widgets = {dimension: self._widget(dimension) for dimension in options}
            self.layout.objects = list(self.widgets.values())
        for dimension, box in self.widgets.items():
            box.options = {text(value): value for value in options[dimension]}
        self._show_filters()

    def _show_filters(self, *_: object) -> None:
        for dimension, box in self.widgets.items():
            offered = set(box.options.values())
            chosen = [v for v in self.ds.filters.get(dimension, []) if v in offered]
            if list(box.value) != chosen:
                box.value = chosen

    def __panel__(self) -> pn.viewable.Viewable:
        return self.layout
