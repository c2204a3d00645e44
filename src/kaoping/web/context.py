"""What every request shares: configuration, the warehouse adapter, the application DB.

Held on ``app.state.kp`` by the app factory and reached by routes through
:func:`get_context`, so tests can build several independent apps in one process.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from kaoping.web.config import WebConfig
from kaoping.web.data import WebData

__all__ = ["AppContext", "ContextDep", "get_context"]


@dataclass
class AppContext:
    config: WebConfig
    data: WebData
    engine: Engine


def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.kp
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]
