"""Rendering off the UI thread: stale interactive requests are dropped, finished frames are
cached, and background work never delays an interactive request."""

import numpy as np
import pytest

from workstation import project as doc
from workstation.rendering import open_engine
from workstation.ui.images import chw_to_qimage, qimage_to_rgb8
from workstation.ui.render_service import EMPTY_SHOT, FrameRenderer


@pytest.fixture
def demo(project_path):
    """(project, engine, renderer) over the demo project."""
    project = doc.load_project(project_path)
    engine = open_engine(project)
    renderer = FrameRenderer()
    renderer.set_engine(engine)
    return project, engine, renderer


def test_requests_made_while_busy_collapse_to_the_newest(qtbot, demo):
    project, engine, renderer = demo
    requests = doc.render_requests(project, "demo")
    rendered = []
    renderer.frame_ready.connect(lambda frame: rendered.append(frame.frame))
    tickets = [renderer.request((1, "demo", k), requests[k]) for k in range(5)]
    assert tickets == sorted(tickets)
    qtbot.waitUntil(lambda: 4 in rendered, timeout=10_000)
    renderer.wait()
    assert rendered == [0, 4]  # 1, 2 and 3 were replaced while frame 0 rendered


def test_a_rendered_frame_is_the_engines_image_and_is_cached(qtbot, demo):
    project, engine, renderer = demo
    request = doc.render_requests(project, "demo", [7])[0]
    with qtbot.waitSignal(renderer.frame_ready, timeout=10_000) as ready:
        renderer.request((1, "demo", 7), request)
    frame = ready.args[0]
    expected = qimage_to_rgb8(chw_to_qimage(engine.render_frame(request)))
    assert np.array_equal(qimage_to_rgb8(frame.image), expected)
    assert renderer.cached((1, "demo", 7)) is frame
    assert len(frame.shapes) == len(request.characters)


def test_an_interactive_request_goes_before_queued_background_work(qtbot, demo):
    project, engine, renderer = demo
    requests = doc.render_requests(project, "demo")
    order = []
    renderer.frame_ready.connect(lambda frame: order.append((frame.ticket > 0, frame.frame)))
    renderer.request_background([((1, "demo", k), requests[k]) for k in range(12)])
    renderer.request((1, "demo", 20), requests[20])
    qtbot.waitUntil(lambda: len(order) == 13, timeout=10_000)
    interactive_at = order.index((True, 20))
    assert interactive_at <= renderer.BATCH  # at most the one background batch already running


def test_work_asked_for_first_jumps_the_queue_and_the_empty_shot_key_renders_without_characters(qtbot, demo):
    project, engine, renderer = demo
    requests = doc.render_requests(project, "demo")
    order = []
    renderer.frame_ready.connect(lambda frame: order.append(frame.frame))
    renderer.request_background([((1, "demo", k), requests[k]) for k in range(12)])
    renderer.request_first([((1, "demo", EMPTY_SHOT), requests[3]), ((1, "demo", 20), requests[20])])
    qtbot.waitUntil(lambda: len(order) == 14, timeout=10_000)
    # after at most the one background batch already running
    assert order.index(EMPTY_SHOT) == order.index(20) - 1 <= renderer.BATCH
    assert sorted(order) == [EMPTY_SHOT, *range(12), 20]  # nothing queued was dropped
    empty = renderer.cached((1, "demo", EMPTY_SHOT))
    expected = qimage_to_rgb8(chw_to_qimage(engine.render_requests([requests[3]], "empty")[0]))
    assert np.array_equal(qimage_to_rgb8(empty.image), expected) and empty.shapes == ()
