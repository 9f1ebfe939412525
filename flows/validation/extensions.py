"""Custom GX expectations for the suites in expectations/; importing this module registers them with GX.

GX registers an expectation (by the snake_case of its class name) and a metric (by its
condition_metric_name) when the class is defined, so `import flows.validation.extensions` must run
before a suite naming them is loaded. Only the pandas engine is implemented: the pipeline validates
text frames in pandas, and any other engine fails the expectation with GX's "no provider" error.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from great_expectations.compatibility import pydantic
from great_expectations.core import ExpectationValidationResult
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import MulticolumnMapExpectation
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
from great_expectations.expectations.metrics.map_metric_provider import MulticolumnMapMetricProvider
from great_expectations.expectations.metrics.map_metric_provider.multicolumn_condition_partial import (
    multicolumn_condition_partial,
)
from great_expectations.render import RenderedStringTemplateContent
from great_expectations.render.components import LegacyRendererType
from great_expectations.render.renderer.renderer import renderer
from great_expectations.render.renderer_configuration import RendererConfiguration, RendererValueType
from great_expectations.render.util import num_to_str

DEFAULT_DECIMAL_PLACES = 2
# A float product of a few decimals is off by a few ulps (~1e-15 relative), which can push a decimal
# tie such as 0.5 × 2.01 = 1.005 just below .5. Nudging by far more than that error, and far less than
# any difference a short decimal can make, lets ties round away from zero as the decimal would.
TIE_NUDGE = 1e-12
MIN_COLUMNS = 3  # two factors and a total
MAX_DECIMAL_PLACES = 12


def minor_units(values: np.ndarray, decimal_places: int) -> np.ndarray:
    """Values rounded half away from zero to whole minor units (e.g. cents): integers held as float64."""
    scaled = np.abs(values) * 10.0**decimal_places
    return np.sign(values) * np.floor(scaled * (1 + TIE_NUDGE) + 0.5)


def product_equals_last(text: pd.DataFrame, decimal_places: int) -> pd.Series:
    """Per row: do the first columns multiply to the last, both rounded to `decimal_places`? Unparseable passes."""
    numbers = np.column_stack(
        [
            pd.to_numeric(text.iloc[:, i], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
            for i in range(text.shape[1])  # a loop over the few columns, not the rows
        ]
    )
    evaluable = np.isfinite(numbers).all(axis=1)
    with np.errstate(over="ignore", invalid="ignore"):
        product = np.prod(numbers[:, :-1], axis=1)
        equal = minor_units(product, decimal_places) == minor_units(numbers[:, -1], decimal_places)
    return pd.Series(~evaluable | equal, index=text.index)


class MulticolumnProductEqualLast(MulticolumnMapMetricProvider):
    """Row-wise condition: product of all columns but the last equals the last, in minor units."""

    condition_metric_name = "multicolumn_product.equal_last"
    condition_value_keys = ("decimal_places",)

    @multicolumn_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column_list: pd.DataFrame, **kwargs: Any) -> pd.Series:  # noqa: N805 - GX passes the class
        return product_equals_last(column_list, int(kwargs.get("decimal_places", DEFAULT_DECIMAL_PLACES)))


class ExpectMulticolumnProductToEqualLast(MulticolumnMapExpectation):
    """Expect the product of all columns but the last to equal the last column, per row.

    `column_list` is factors..., total (at least two factors). A row passes when the product and the
    total, each rounded half away from zero to `decimal_places` (default 2), are the same whole number
    of minor units; so "4.50" equals "4.5" and 3 × 1.1 equals 3.3 despite float error.

    The columns hold text as received. A row where any value is missing is skipped (ignore_row_if
    defaults to "any_value_is_missing"), and a row where any value does not parse as a finite number
    (e.g. "abc", "inf") PASSES: the product cannot be evaluated, and the suite's format rules report
    non-numeric values. Pandas engine only.
    """

    column_list: list[pydantic.StrictStr] = pydantic.Field(description="Factor columns, then the total column.")
    decimal_places: pydantic.StrictInt = pydantic.Field(
        default=DEFAULT_DECIMAL_PLACES, description="Decimal places both sides are rounded to (0 to 12)."
    )
    ignore_row_if: Literal["all_values_are_missing", "any_value_is_missing", "never"] = "any_value_is_missing"

    map_metric = "multicolumn_product.equal_last"
    success_keys = ("mostly", "decimal_places")
    args_keys = ("column_list", "decimal_places")
    library_metadata: ClassVar[dict[str, Any]] = {"maturity": "experimental", "tags": ["multi-column expectation"]}

    @pydantic.validator("column_list")
    @classmethod
    def _at_least_two_factors(cls, v: list[str]) -> list[str]:
        if len(v) < MIN_COLUMNS:
            raise ValueError("column_list needs at least three columns: two or more factors, then the total.")
        return v

    @pydantic.validator("decimal_places")
    @classmethod
    def _sensible_places(cls, v: int) -> int:
        # beyond 12 places float64 cannot hold the minor units of everyday amounts
        if not 0 <= v <= MAX_DECIMAL_PLACES:
            raise ValueError(f"decimal_places must be between 0 and {MAX_DECIMAL_PLACES}.")
        return v

    @classmethod
    def _prescriptive_template(cls, renderer_configuration: RendererConfiguration) -> RendererConfiguration:
        kwargs = renderer_configuration.kwargs
        template, params = _template(kwargs)
        for name, value in params.items():
            kind = RendererValueType.NUMBER if name in ("decimal_places", "mostly") else RendererValueType.STRING
            renderer_configuration.add_param(name=name, param_type=kind, value=value)
        renderer_configuration.template_str = template
        return renderer_configuration

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    def _prescriptive_renderer(
        cls,
        configuration: ExpectationConfiguration | None = None,
        result: ExpectationValidationResult | None = None,
        runtime_configuration: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> list[RenderedStringTemplateContent]:
        """The sentence Data Docs show for this expectation."""
        if configuration is None and result is not None:
            configuration = result.expectation_config
        template, params = _template(configuration.kwargs if configuration else {})
        styling = (runtime_configuration or {}).get("styling")
        string_template = {"template": template, "params": params, "styling": styling}
        return [RenderedStringTemplateContent(content_block_type="string_template", string_template=string_template)]


def _template(kwargs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The prescriptive sentence and its params, from an expectation's kwargs (defaults filled in)."""
    columns = list(kwargs.get("column_list") or [])
    params: dict[str, Any] = {f"column_list_{i}": name for i, name in enumerate(columns)}
    params["decimal_places"] = kwargs.get("decimal_places", DEFAULT_DECIMAL_PLACES)
    factors = " × ".join(f"$column_list_{i}" for i in range(len(columns) - 1)) or "[ ]"
    total = f"$column_list_{len(columns) - 1}" if columns else "[ ]"
    template = f"Product of columns {factors} must equal {total} (to $decimal_places decimal places)"
    mostly = kwargs.get("mostly")
    if mostly is not None and mostly < 1:
        params["mostly"] = mostly
        params["mostly_pct"] = num_to_str(mostly * 100, no_scientific=True)
        template += ", at least $mostly_pct % of the time"
    return template + ".", params
