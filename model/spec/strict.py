"""What every spec class shares: JSON as it is (strict types, no unknown field, no NaN or
infinity), frozen once validated; and the seed type."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Seed = Annotated[int, Field(ge=0, le=2**63 - 1)]  # for numpy.random.default_rng


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True, strict=True)
