"""Rendering off the UI thread: stale interactive requests are dropped, finished frames are
cached, and background work never delays an interactive request."""

import numpy as np
import pytest

from workstation import project as doc
from workstation.render.shot_frames import open_engine
from workstation.ui.view.qimages import chw_to_qimage, qimage_to_rgb8, qimage_to_rgba8
from workstation.ui.view.render_service import FrameKey, FrameRenderer, thumbnail_of


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
    tickets = [renderer.request(FrameKey(1, "demo", k), requests[k]) for k in range(5)]
    assert tickets == sorted(tickets)
    qtbot.waitUntil(lambda: 4 in rendered, timeout=10_000)
    renderer.wait()
    assert rendered == [0, 4]  # 1, 2 and 3 were replaced while frame 0 rendered


def test_a_rendered_frame_is_the_engines_image_and_is_cached(qtbot, demo):
    project, engine, renderer = demo
    request = doc.render_requests(project, "demo", [7])[0]
    with qtbot.waitSignal(renderer.frame_ready, timeout=10_000) as ready:
        renderer.request(FrameKey(1, "demo", 7), request)
    frame = ready.args[0]
    expected = qimage_to_rgb8(chw_to_qimage(engine.render_frame(request)))
    assert np.array_equal(qimage_to_rgb8(frame.image), expected)
    assert renderer.cached(FrameKey(1, "demo", 7)) is frame
    assert len(frame.shapes) == len(request.characters)


def test_an_interactive_request_goes_before_queued_background_work(qtbot, demo):
    project, engine, renderer = demo
    requests = doc.render_requests(project, "demo")
    order = []
    renderer.frame_ready.connect(lambda frame: order.append((not frame.background, frame.frame)))
    renderer.request_background([(FrameKey(1, "demo", k), requests[k]) for k in range(12)])
    renderer.request(FrameKey(1, "demo", 20), requests[20])
    qtbot.waitUntil(lambda: len(order) == 13, timeout=10_000)
    interactive_at = order.index((True, 20))
    assert interactive_at <= renderer.BATCH  # at most the one background batch already running


CUT_OUT = FrameKey(1, "demo", 3, "characters")  # the frame's characters alone, as the onion skin asks


def test_work_asked_for_first_jumps_the_queue_and_the_characters_layer_renders_as_rgba(qtbot, demo):
    project, engine, renderer = demo
    requests = doc.render_requests(project, "demo")
    order = []
    renderer.frame_ready.connect(lambda frame: order.append("cut-out" if frame.key == CUT_OUT else frame.frame))
    renderer.request_background([(FrameKey(1, "demo", k), requests[k]) for k in range(12)])
    renderer.request_first([(CUT_OUT, requests[3]), (FrameKey(1, "demo", 20), requests[20])])
    qtbot.waitUntil(lambda: len(order) == 14, timeout=10_000)
    # after at most the one background batch already running
    assert order.index("cut-out") == order.index(20) - 1 <= renderer.BATCH
    assert sorted(order, key=str) == sorted(["cut-out", *range(12), 20], key=str)  # nothing queued was dropped
    cut_out = renderer.cached(CUT_OUT)
    expected = qimage_to_rgba8(chw_to_qimage(engine.render_requests([requests[3]], "characters")[0]))
    assert cut_out.image.hasAlphaChannel() and np.array_equal(qimage_to_rgba8(cut_out.image), expected)
    assert cut_out.names == ("digit 2",)  # with its shape: a layer view selects and drags as the frame does
    assert cut_out.shapes == tuple(engine.character_shapes(requests[3]))


def test_what_a_replaced_engine_finishes_is_dropped(qtbot, demo):
    project, engine, renderer = demo
    request = doc.render_requests(project, "demo", [5])[0]
    rendered = []
    renderer.frame_ready.connect(rendered.append)
    renderer.request(FrameKey(1, "demo", 5), request)
    assert renderer.busy  # the worker has it
    renderer.set_engine(engine.with_frames(engine.frames))  # as the viewport does when the clips change
    qtbot.waitUntil(lambda: not renderer.busy, timeout=10_000)  # the stale frame came back, and was dropped
    assert rendered == [] and renderer.cached(FrameKey(1, "demo", 5)) is None
    with qtbot.waitSignal(renderer.frame_ready, timeout=10_000) as ready:
        renderer.request(FrameKey(2, "demo", 5), request)
    assert renderer.cached(FrameKey(2, "demo", 5)) is ready.args[0]


def test_while_a_shot_plays_the_cache_keeps_the_latest_frames_within_its_bytes(qtbot, project_path):
    """Playback as the viewport drives it, the shot three times over: each frame from the cache,
    else rendered, with the next 8 queued behind it, in a cache of 12 frames' bytes."""
    project = doc.load_project(project_path)
    engine = open_engine(project)
    requests = doc.render_requests(project, "demo")
    image = chw_to_qimage(engine.render_frame(requests[0]))
    frame_bytes = image.sizeInBytes() + thumbnail_of(image).sizeInBytes()  # a frame is kept with its thumbnail
    budget = int(12.5 * frame_bytes)
    renderer = FrameRenderer(cache_bytes=budget)
    renderer.set_engine(engine)
    held = []
    renderer.frame_ready.connect(lambda frame: held.append(renderer.cached_bytes))
    played = [FrameKey(1, "demo", k % len(requests)) for k in range(3 * len(requests))]
    from_cache = 0
    for at, key in enumerate(played):
        if renderer.cached(key) is not None:
            from_cache += 1
        else:
            renderer.request(key, requests[key.frame])
        ahead = [a for a in played[at + 1 : at + 9] if renderer.cached(a) is None]
        renderer.request_background([(a, requests[a.frame]) for a in ahead])
        qtbot.waitUntil(lambda key=key: renderer.cached(key) is not None, timeout=10_000)
    renderer.wait()
    assert len(requests) > 12 and len(held) >= len(played) // 2 and max(held) <= budget
    assert from_cache > len(played) // 2  # the frames queued ahead were there when their turn came
    kept = [k for k in range(len(requests)) if renderer.cached(FrameKey(1, "demo", k)) is not None]
    # 12 frames, the latest among them: which of the few before them stayed depends on when the
    # frames queued ahead came in (a frame rendered ahead is newer than the one shown before it)
    assert len(kept) == 12 and set(range(len(requests) - 8, len(requests))) <= set(kept)
    assert min(kept) >= len(requests) - 16
    assert renderer.cached_bytes == 12 * frame_bytes
