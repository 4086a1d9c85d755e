"""How a clip was cut from a sprite sheet, as a project file holds it (a clip's "sheet", since
schema version 6): one of

    "sheet": {"grid": {"cell": [64, 64], "row": 8, "margin": 0, "spacing": 0, "count": 9}}
    "sheet": {"aseprite": {"tag": "walk"}}          # "tag": null: every frame of the JSON

A grid's clip path is the sheet's picture: row "row" (from 0 at the top) of cells of "cell" [width,
height] pixels, "margin" pixels from the picture's left and top edges, "spacing" between cells, its
first "count" cells (absent: every cell of the row). An Aseprite clip's path is the JSON, which names
its picture. In memory they are ``values.SheetGrid`` and ``values.SheetTag``. The schema checks the
values' types and bounds; whether the cells lie within the picture is the clip reader's to say
(``workstation.media.sprite_sheets``), when the clip is opened.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .problems import problem
from .scalars import Count, Frame, Name
from .values import SheetGrid, SheetTag

__all__ = ["SheetSchema"]

_CONFIG = ConfigDict(strict=True, extra="forbid", from_attributes=True)



def _width_and_height(size: list[int]) -> list[int]:
    if len(size) != 2:
        raise problem(f"expected [width, height] in pixels, got {len(size)} number{'s' if len(size) != 1 else ''}")
    return size


# A cell's [width, height] (a SheetGrid holds a tuple, a file a list).
CellSize = Annotated[list[Count], BeforeValidator(lambda size: list(size) if isinstance(size, tuple) else size),
                     AfterValidator(_width_and_height)]


class GridSchema(BaseModel):
    model_config = _CONFIG
    cell: CellSize
    row: Frame
    margin: Frame = 0
    spacing: Frame = 0
    count: Count | None = Field(default=None, exclude_if=lambda count: count is None)

    def to_value(self) -> SheetGrid:
        return SheetGrid((self.cell[0], self.cell[1]), self.row, self.margin, self.spacing, self.count)


class AsepriteSchema(BaseModel):
    model_config = _CONFIG
    tag: Name | None = None

    def to_value(self) -> SheetTag:
        return SheetTag(self.tag)


class SheetSchema(BaseModel):
    """A clip's "sheet": ``{"grid": ...}`` or ``{"aseprite": ...}``, exactly one of the two."""

    model_config = _CONFIG
    grid: GridSchema | None = Field(default=None, exclude_if=lambda grid: grid is None)
    aseprite: AsepriteSchema | None = Field(default=None, exclude_if=lambda aseprite: aseprite is None)

    @model_validator(mode="before")
    @classmethod
    def _in_memory(cls, data: Any) -> Any:
        if isinstance(data, SheetGrid):
            return {"grid": data}
        if isinstance(data, SheetTag):
            return {"aseprite": data}
        return data

    @model_validator(mode="after")
    def _one_way(self) -> SheetSchema:
        if (self.grid is None) == (self.aseprite is None):
            raise problem('expected one of "grid" (a picture cut into cells) or "aseprite" (a tag of Aseprite\'s '
                          "JSON)")
        return self

    def to_value(self) -> SheetGrid | SheetTag:
        if self.grid is not None:
            return self.grid.to_value()
        assert self.aseprite is not None
        return self.aseprite.to_value()
