"""The core/v1 Event: what ``kubectl describe`` lists under ``Events:``.

Events have no spec or status; their fields sit at the top level.
"""

from __future__ import annotations

from tinykube.api.schema.common import OBJECT_META, OBJECT_REFERENCE
from tinykube.api.schema.nodes import INT, STR, TIME, struct

EVENT = struct(
    apiVersion=STR,
    kind=STR,
    metadata=OBJECT_META,
    involvedObject=OBJECT_REFERENCE,
    reason=STR,
    message=STR,
    source=struct(component=STR, host=STR),
    firstTimestamp=TIME,
    lastTimestamp=TIME,
    count=INT,
    type=STR,
    eventTime=TIME,
    series=struct(count=INT, lastObservedTime=TIME),
    action=STR,
    related=OBJECT_REFERENCE,
    reportingComponent=STR,
    reportingInstance=STR,
)
