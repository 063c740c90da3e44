"""Publish-ready outputs beside a rendered video.

    OUT.thumbnail.png / OUT.thumbnail.jpg   a frame at the platform's thumbnail size, with the title on it
    OUT.srt / OUT.vtt                        captions (whenever the timeline has spoken lines)
    OUT.json                                 metadata: title, description, tags, chapters, the file's
                                             technical facts, loudness, on-screen text boxes (for
                                             `render check-video`) and per-platform fields

`write_publish_outputs` writes all of them; each writer is usable on its own.
Every file is written atomically.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
import skia

from ..raster import fonts, glyphs
from ..timeline.display import DisplayList, TransitionNode
from ..encode.outputs import atomic_output
from ..plugins import PUBLISHERS_GROUP, Registry
from .presets import PRESETS, SafeArea
from ..raster.raster import Rasterizer
from ..timeline.timeline import Layer, Timeline

METADATA_VERSION = 1
THUMBNAIL_SAMPLES = 12  # frames of the first scene scored for colourfulness
TITLE_FILL = (255, 255, 255)
TITLE_OUTLINE = (31, 26, 61)  # #1F1A3D, a deep indigo: 17:1 against the white fill


def sidecar(video: str | Path, suffix: str) -> Path:
    """OUT.mp4 -> OUT<suffix> (`.json`, `.thumbnail.png`, …)."""
    video = Path(video)
    return video.with_name(video.stem + suffix)


# -- thumbnail ------------------------------------------------------------------------------


def colourfulness(rgb: np.ndarray) -> float:
    """Hasler & Süsstrunk's colourfulness metric (2003): spread plus mean of the
    opponent channels rg = R - G and yb = (R + G) / 2 - B."""
    rgb = rgb.astype(np.float32)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))


def _scene_window(timeline: Timeline, index: int) -> tuple[float, float]:
    """The part of scene `index` that no transition covers (the whole scene if they cover it all)."""
    scene = timeline.scenes[index]
    a, b = scene.start, scene.end
    for tr in timeline.transitions:
        if tr.to_scene == index:
            a = max(a, tr.end)
        if tr.from_scene == index:
            b = min(b, tr.start)
    return (a, b) if b > a else (scene.start, scene.end)


def _first_scene(timeline: Timeline, start: float) -> int:
    for i, scene in enumerate(timeline.scenes):
        if scene.end > start + 1e-9:
            return i
    return 0


def thumbnail_time(timeline: Timeline, start: float = 0.0, end: float | None = None) -> float:
    """The most colourful of a dozen frames across the first scene (outside its
    transitions); among frames within 2% of the best, the latest, by which time
    the scene's elements have usually arrived."""
    if not timeline.scenes:
        return start
    end = timeline.duration if end is None else end
    a, b = _scene_window(timeline, _first_scene(timeline, start))
    a, b = max(a, start), min(b, end)
    step = 1.0 / timeline.fps
    last = max(a, b - step)
    times = sorted({round(t * timeline.fps) / timeline.fps for t in np.linspace(a, last, THUMBNAIL_SAMPLES)})
    times = [t for t in times if start - 1e-9 <= t < end] or [start]
    raster = Rasterizer(timeline.width, timeline.height)
    stride = max(1, max(timeline.width, timeline.height) // 240)
    scores = []
    for t in times:
        raster.draw(timeline.sample(t))
        scores.append(colourfulness(raster.buffer[::stride, ::stride, 2::-1]))
    best = max(scores)
    return max(t for t, s in zip(times, scores) if s >= best * 0.98 - 1e-9)


def thumbnail_size(timeline: Timeline, platform=None) -> tuple[int, int]:
    if platform is not None:
        return platform.thumbnail
    w, h = timeline.width, timeline.height
    width = 1280 if w >= h else 1080
    return width, max(2, round(width * h / w / 2) * 2)


def _safe_fractions(timeline: Timeline, platform=None) -> SafeArea:
    if platform is not None:
        return PRESETS[platform.preset].safe
    x0, y0, x1, y1 = timeline.safe_area
    w, h = timeline.width, timeline.height
    if x1 <= x0 or y1 <= y0:
        return SafeArea(0.05, 0.05, 0.05, 0.05)
    return SafeArea(x0 / w, y0 / h, (w - x1) / w, (h - y1) / h)


def _wrap(text: str, font: skia.Font, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split():
            candidate = f"{current} {word}" if current else word
            if current and font.measureText(candidate) > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return [line for line in lines if line]


def title_layout(title: str, size: tuple[int, int], safe: SafeArea,
                 avoid: list[tuple[tuple[float, float, float, float], float]] = ()) -> dict | None:
    """Where the title goes on a thumbnail: the rounded font, bold, as large as fits
    in three lines across the safe area, its block resting on the safe area's
    bottom edge, or hanging from its top edge when that covers less of `avoid`
    (boxes in thumbnail pixels, each with a weight: the characters' faces weigh
    most). None for an empty title."""
    if not title.strip():
        return None
    w, h = size
    x0, y0, x1, y1 = safe.rect(w, h)
    short = min(w, h)
    font_size = short * 0.13
    wrap = (x1 - x0) * 0.92
    while True:
        font = fonts.font("rounded", 700, font_size)
        lines = _wrap(title, font, wrap)
        m = font.getMetrics()
        block = (len(lines) - 1) * font_size * 1.15 + (m.fDescent - m.fAscent)
        widest = max(font.measureText(line) for line in lines)
        if (len(lines) <= 3 and block <= 0.45 * (y1 - y0) and widest <= wrap) or font_size <= short * 0.04:
            break
        font_size *= 0.92
    bottom = y1 - short * 0.03
    top = bottom - block
    half = max(font.measureText(line) for line in lines) / 2
    if avoid:
        cx = (x0 + x1) / 2
        high = y0 + short * 0.03
        if _covered(avoid, (cx - half, high, cx + half, high + block)) < \
                _covered(avoid, (cx - half, top, cx + half, bottom)) - 1e-6:
            top, bottom = high, high + block
    return {"font_size": font_size, "lines": lines, "top": top, "bottom": bottom,
            "centre_x": (x0 + x1) / 2, "line_height": font_size * 1.15, "outline": font_size * 0.08,
            "box": [round((x0 + x1) / 2 - widest / 2, 1), round(top, 1), round((x0 + x1) / 2 + widest / 2, 1),
                    round(bottom, 1)]}


def _covered(avoid, box) -> float:
    """How much of the weighted boxes `avoid` the box covers (px² × weight)."""
    total = 0.0
    for (a0, b0, a1, b1), weight in avoid:
        w = min(a1, box[2]) - max(a0, box[0])
        h = min(b1, box[3]) - max(b0, box[1])
        if w > 0 and h > 0:
            total += w * h * weight
    return total


FACE_WEIGHT = 4.0  # a character's head (the top 45% of its box) against any other picture
SCENERY = {"background", "particles"}


def picture_boxes(timeline: Timeline, t: float, size: tuple[int, int]) -> list[tuple[tuple, float]]:
    """The boxes of what the frame at `t` shows (each top-level layer drawn alone),
    in the thumbnail's pixels, weighted: a character's head, its body, the rest."""
    sample = timeline.sample(min(max(0.0, t), max(0.0, timeline.duration - 1e-6)))
    if any(isinstance(item, TransitionNode) for item in sample.items):
        return []
    w, h = size
    scale = max(w / timeline.width, h / timeline.height)
    dx, dy = (w - timeline.width * scale) / 2, (h - timeline.height * scale) / 2
    raster = Rasterizer(timeline.width, timeline.height)
    raster.flatten = False
    stride = max(1, max(timeline.width, timeline.height) // 320)
    boxes = []
    for node in sample.items:
        if node.kind in SCENERY or (node.get("opacity", 1.0) or 0) < 0.2:
            continue
        raster.draw(DisplayList((0.0, 0.0, 0.0, 0.0), (node,)))
        ys, xs = np.nonzero(raster.buffer[::stride, ::stride, 3] > 32)
        if not len(xs):
            continue
        x0, x1 = xs.min() * stride * scale + dx, (xs.max() + 1) * stride * scale + dx
        y0, y1 = ys.min() * stride * scale + dy, (ys.max() + 1) * stride * scale + dy
        if node.kind == "character":
            neck = y0 + (y1 - y0) * 0.45
            boxes += [((x0, y0, x1, neck), FACE_WEIGHT), ((x0, neck, x1, y1), 1.0)]
        else:
            boxes.append(((x0, y0, x1, y1), 1.0))
    return boxes


def _draw_title(canvas: skia.Canvas, layout: dict) -> None:
    """The title's lines, drawn as the in-video text is (engine/raster/glyphs.py): the
    outline a ring outside each glyph, under the fills, so the counters of B, a, e, 8
    stay open (a stroke centred on the contours filled them), over a soft shadow
    that stays out of the counters."""
    family, weight, size = "rounded", 700, layout["font_size"]
    font = fonts.font(family, weight, size)
    ascent = font.getMetrics().fAscent  # negative: above the baseline
    ow = layout["outline"]
    shadow = skia.Paint(AntiAlias=True, Color=skia.ColorSetARGB(110, 0, 0, 0),
                        MaskFilter=skia.MaskFilter.MakeBlur(skia.kNormal_BlurStyle, max(0.5, ow * 0.8)))
    outline = skia.Paint(AntiAlias=True, Color=skia.ColorSetARGB(255, *TITLE_OUTLINE))
    fill = skia.Paint(AntiAlias=True, Color=skia.ColorSetARGB(255, *TITLE_FILL))

    def ring(ch: str) -> skia.Path:
        return glyphs.outline_shape(family, weight, size, ch, ow)

    def body(ch: str) -> skia.Path:
        return glyphs.glyph_shape(family, weight, size, ch).fill

    for i, line in enumerate(layout["lines"]):
        placed = list(zip(line, glyphs.glyph_positions(family, weight, size, line)))
        x = layout["centre_x"] - font.measureText(line) / 2
        y = layout["top"] + i * layout["line_height"] - ascent  # the baseline: `top` is the line's top
        canvas.save()
        for ch, gx in placed:  # the shadow falls beside the letters, not into their counters
            hole = skia.Path(glyphs.glyph_shape(family, weight, size, ch).holes)
            if not hole.isEmpty():
                hole.offset(x + gx, y)
                canvas.clipPath(hole, skia.ClipOp.kDifference, True)
        glyphs.draw_glyphs(canvas, placed, shadow, body, x + ow * 0.5, y + ow * 0.9)
        canvas.restore()
        glyphs.draw_glyphs(canvas, placed, outline, ring, x, y)
        glyphs.draw_glyphs(canvas, placed, fill, body, x, y)


def render_thumbnail(timeline: Timeline, t: float, size: tuple[int, int], safe: SafeArea,
                     title: str | None = None) -> tuple[skia.Image, dict | None]:
    """The frame at `t`, scaled to cover `size` (centre crop), with `title` drawn on it."""
    raster = Rasterizer(timeline.width, timeline.height)
    raster.draw(timeline.sample(min(max(0.0, t), max(0.0, timeline.duration - 1e-6))))
    frame = skia.Image.fromarray(raster.snapshot_rgba(), colorType=skia.kRGBA_8888_ColorType).withDefaultMipmaps()
    w, h = size
    surface = skia.Surface(w, h)
    canvas = surface.getCanvas()
    canvas.clear(skia.ColorBLACK)
    scale = max(w / timeline.width, h / timeline.height)
    dw, dh = timeline.width * scale, timeline.height * scale
    sampling = skia.SamplingOptions(skia.FilterMode.kLinear, skia.MipmapMode.kLinear)
    canvas.drawImageRect(frame, skia.Rect.MakeXYWH((w - dw) / 2, (h - dh) / 2, dw, dh), sampling)
    layout = title_layout(timeline.title if title is None else title, size, safe, picture_boxes(timeline, t, size))
    if layout is not None:
        _draw_title(canvas, layout)
    return surface.makeImageSnapshot(), layout


def _encode(image: skia.Image, kind, quality: int) -> bytes:
    data = image.encodeToData(kind, quality)
    if data is None:
        raise OSError("cannot encode the thumbnail")
    return bytes(data)


def write_thumbnail(timeline: Timeline, out: str | Path, at: float | None = None, platform=None,
                    start: float = 0.0, end: float | None = None) -> dict:
    """OUT.thumbnail.png and OUT.thumbnail.jpg beside the video `out`. The frame:
    `at`, else the timeline's `thumbnail at`, else the most colourful frame of
    the first scene. Returns what the metadata records about it."""
    t = at if at is not None else timeline.thumbnail_at
    if t is None:
        t = thumbnail_time(timeline, start, end)
    size = thumbnail_size(timeline, platform)
    image, layout = render_thumbnail(timeline, t, size, _safe_fractions(timeline, platform))
    png, jpg = sidecar(out, ".thumbnail.png"), sidecar(out, ".thumbnail.jpg")
    with atomic_output(png, ".png") as tmp:
        tmp.write_bytes(_encode(image, skia.kPNG, 100))
    limit = getattr(platform, "max_thumbnail_bytes", None)
    quality = 90
    data = _encode(image, skia.kJPEG, quality)
    while limit and len(data) > limit and quality > 40:
        quality -= 10
        data = _encode(image, skia.kJPEG, quality)
    with atomic_output(jpg, ".jpg") as tmp:
        tmp.write_bytes(data)
    return {"png": png.name, "jpg": jpg.name, "width": size[0], "height": size[1], "time": round(t - start, 3),
            "jpg_quality": quality, "jpg_bytes": len(data), "title_box": layout["box"] if layout else None}


# -- on-screen text (for the contrast check) -------------------------------------------------------


def _text_layers(layers: tuple[Layer, ...], path: tuple[Layer, ...] = ()):
    for layer in layers:
        here = (*path, layer)
        if layer.kind == "text":
            yield here
        if layer.children:
            yield from _text_layers(layer.children, here)


def _visible_range(path: tuple[Layer, ...], scene_length: float) -> tuple[float, float]:
    lo, hi = 0.0, scene_length
    for layer in path:  # a child shows while its group does
        lo = max(lo, layer.appear)
        if layer.disappear is not None:
            hi = min(hi, layer.disappear)
    return lo, hi


def _value(layer: Layer, name: str, t: float, default):
    track = layer.tracks.get(name)
    return track.value_at(t) if track is not None else default


def _how_visible(path: tuple[Layer, ...], t: float) -> tuple:
    """A score for sampling a text layer at scene-local `t`: fully revealed,
    most opaque, not moving, nearest full size."""
    opacity, scale, moving = 1.0, 1.0, False
    for layer in path:
        opacity *= float(_value(layer, "opacity", t, 1.0))
        scale *= abs(float(_value(layer, "scale", t, 1.0)))
        moving |= any(s.start < t < s.end for track in layer.tracks.values() for s in track.segments)
    text = path[-1]
    fill = _value(text, "fill", t, (0, 0, 0, 1))
    opacity *= float(fill[3]) if isinstance(fill, tuple) and len(fill) == 4 else 1.0
    # a typed-out text (reveal) and a traced one (draw) show their real colours once complete
    revealed = min(float(_value(text, "reveal", t, 1.0)), float(_value(text, "draw", t, 1.0))) >= 0.999
    return (revealed, round(opacity, 2), not moving, -round(abs(1.0 - scale), 2))


def _find(nodes, ids: list[str], matrix: skia.Matrix, opacity: float):
    """The node at `ids` under `nodes`, with its total matrix and opacity."""
    for node in nodes:
        if isinstance(node, TransitionNode) or node.id != ids[0]:
            continue
        v = node.values
        m = skia.Matrix.Concat(matrix, skia.Matrix())  # a copy
        m.preTranslate(v.get("x", 0.0) + v.get("offset_x", 0.0), v.get("y", 0.0) + v.get("offset_y", 0.0))
        if v.get("rotate", 0.0):
            m.preRotate(v.get("rotate", 0.0))
        m.preScale(v.get("scale", 1.0), v.get("scale", 1.0))
        op = opacity * v.get("opacity", 1.0)
        if len(ids) == 1:
            return node, m, op
        return _find(node.children, ids[1:], m, op)
    return None


def _rgb255(colour) -> list[int]:
    return [int(round(max(0.0, min(1.0, float(c))) * 255)) for c in colour[:3]]


def text_regions(timeline: Timeline, start: float = 0.0, end: float | None = None) -> list[dict]:
    """Each text layer's box, colours and size at one frame of its scene where it
    shows best (fully revealed, most opaque, at rest, outside transitions);
    times on the output's clock (0 = `start`)."""
    from ..raster.paint_kit import anchor_offset
    from ..raster.painters import text_box
    from .quality import LARGE_BOLD_TEXT, LARGE_TEXT

    end = timeline.duration if end is None else end
    unit = min(timeline.width, timeline.height) / 1080.0
    entries = []
    for index, scene in enumerate(timeline.scenes):
        a, b = _scene_window(timeline, index)
        a, b = max(a, start), min(b, end)
        if b <= a:
            continue
        for path in _text_layers(scene.layers):
            lo, hi = _visible_range(path, scene.duration)
            lo, hi = max(lo, a - scene.start), min(hi, b - scene.start)
            if hi <= lo:
                continue
            candidates = {lo, (lo + hi) / 2, hi - 1e-3}
            for layer in path:
                for track in layer.tracks.values():
                    candidates.update(s.end for s in track.segments if lo <= s.end < hi)
            frames = set()
            for t in candidates:
                g = math.ceil((scene.start + t) * timeline.fps - 1e-6) / timeline.fps
                if scene.start + lo - 1e-9 <= g < scene.start + hi and a - 1e-9 <= g < b:
                    frames.add(g)
            if not frames:
                continue
            best = max(sorted(frames), key=lambda g: _how_visible(path, g - scene.start))
            found = _find(timeline.sample(best).items, [layer.id for layer in path], skia.Matrix(), 1.0)
            if found is None:
                continue
            node, matrix, opacity = found
            size = float(node.get("size", 0.0))
            text = str(node.attrs.get("text", "")).strip()
            if size <= 0 or not text:
                continue
            width, height = text_box(node)
            dx, dy = anchor_offset(node, width, height)
            box = matrix.mapRect(skia.Rect.MakeXYWH(dx, dy, width, height))
            x0, y0 = max(0.0, box.left()), max(0.0, box.top())
            x1, y1 = min(float(timeline.width), box.right()), min(float(timeline.height), box.bottom())
            if x1 - x0 < 1 or y1 - y0 < 1 or (x1 - x0) * (y1 - y0) < 0.5 * box.width() * box.height():
                continue  # mostly off the canvas
            fill = node.get("fill") or (0, 0, 0, 1)
            opacity *= float(fill[3])
            if opacity < 0.5:
                continue
            scale = math.sqrt(abs(matrix.getScaleX() * matrix.getScaleY() - matrix.getSkewX() * matrix.getSkewY()))
            size_px = size * scale
            weight = int(node.attrs.get("weight", 400))
            design = size_px / unit
            outline = node.attrs.get("outline")
            entries.append({
                "scene": scene.name, "id": ".".join(layer.id for layer in path), "text": text,
                "time": round(best - start, 4), "box": [round(x0, 1), round(y0, 1), round(x1, 1), round(y1, 1)],
                "fill": _rgb255(fill), "opacity": round(opacity, 3),
                "outline": _rgb255(outline) if outline is not None else None,
                "outline_width": round(float(node.get("outline_width", 0.0)) * scale, 2) if outline is not None else 0.0,
                "size_px": round(size_px, 2), "size_design": round(design, 1), "weight": weight,
                "large": design >= LARGE_TEXT or (design >= LARGE_BOLD_TEXT and weight >= 700),
            })
    return entries


# -- chapters, description, tags ---------------------------------------------------------------------


def humanise(name: str) -> str:
    words = re.sub(r"[_\-]+", " ", name).strip()
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", words)
    return words[:1].upper() + words[1:] if words else name


def timestamp(seconds: float) -> str:
    total = int(math.floor(seconds + 1e-6))
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


YOUTUBE_CHAPTERS_MIN = 3
YOUTUBE_CHAPTER_SECONDS = 10.0


def chapter_list(timeline: Timeline, start: float = 0.0, end: float | None = None) -> list[dict]:
    end = timeline.duration if end is None else end
    out = []
    for chapter in timeline.chapters:
        if chapter.time >= end - 1e-9:
            continue
        scene_end = next((s.end for s in timeline.scenes if s.name == chapter.name), end)
        if scene_end <= start + 1e-9:
            continue
        at = max(0.0, chapter.time - start)
        out.append({"name": chapter.name, "title": humanise(chapter.name), "start": round(at, 3)})
    if out:
        out[0]["start"] = 0.0  # YouTube: the first chapter starts at 0:00
    length = end - start
    for i, c in enumerate(out):
        nxt = out[i + 1]["start"] if i + 1 < len(out) else length
        c["duration"] = round(nxt - c["start"], 3)
        c["timestamp"] = timestamp(c["start"])
    return out


def youtube_chapters(chapters: list[dict]) -> tuple[list[str], str | None]:
    """`0:00 Intro` lines, and a note when YouTube will not show them as chapters."""
    lines = [f"{c['timestamp']} {c['title']}" for c in chapters]
    problems = []
    if len(chapters) < YOUTUBE_CHAPTERS_MIN:
        problems.append(f"{len(chapters)} chapter{'s' if len(chapters) != 1 else ''} (YouTube needs at least "
                        f"{YOUTUBE_CHAPTERS_MIN})")
    short = [c["title"] for c in chapters if c["duration"] < YOUTUBE_CHAPTER_SECONDS]
    if short:
        problems.append(f"shorter than {YOUTUBE_CHAPTER_SECONDS:g}s: {', '.join(short)}")
    note = None
    if problems:
        note = "YouTube shows chapters only with at least 3, each at least 10 seconds long, the first at 0:00; " \
               "these will appear as plain timestamps: " + "; ".join(problems)
    return lines, note


def spoken_text(timeline: Timeline, start: float = 0.0, end: float | None = None) -> list[str]:
    """The spoken lines, one paragraph per scene, in order."""
    end = timeline.duration if end is None else end
    by_scene: dict[int, list[str]] = {}
    for cue in timeline.captions:
        if not start - 1e-9 <= cue.start < end:
            continue
        # The scene showing when the line starts; during a transition, the later one.
        index = max((i for i, s in enumerate(timeline.scenes) if s.start <= cue.start + 1e-9), default=0)
        by_scene.setdefault(index, []).append(" ".join(cue.text.split()))
    return [" ".join(by_scene[i]) for i in sorted(by_scene)]


def description(title: str, paragraphs: list[str], chapter_lines: list[str], own: str = "",
                tags: tuple[str, ...] = ()) -> str:
    """The video's own description (`description "…"`) or else its spoken lines, the
    chapters, and its own tags as hashtags (`#counting #numbers`)."""
    parts = [own] if own.strip() else (list(paragraphs) or ([title] if title else []))
    if chapter_lines:
        parts.append("Chapters:\n" + "\n".join(chapter_lines))
    hashtags = [h for h in ("#" + re.sub(r"\W+", "", t) for t in tags) if len(h) > 1]
    if hashtags:
        parts.append(" ".join(dict.fromkeys(hashtags)))
    return "\n\n".join(parts)


_STOP = set("""a an and are as at be but by for from has have he her his i in is it its let lets let's me my of on
or our she so that the their them then they this to too up us was we were what when where who will with you your
""".split())


def tags_for(title: str, chapters: list[dict], own: tuple[str, ...] = ()) -> list[str]:
    """The video's own tags first; then the title and its words. Chapter titles
    only when the video names no tags of its own (a template's chapters are
    sentences like "Count the ducks", not what a viewer searches for)."""
    tags: list[str] = []

    def add(tag: str) -> None:
        tag = " ".join(tag.lower().split()).strip(" .,!?;:'\"")
        if tag and tag not in tags:
            tags.append(tag)

    for tag in own:
        add(tag)
    if title:
        add(re.sub(r"[^\w\s'-]", "", title))
        for word in re.findall(r"[\w'-]+", title):
            if len(word) >= 3 and word.lower() not in _STOP and not word.isdigit():
                add(word)
    if not own:
        for c in chapters:
            add(c["title"])
    return tags


def fit_tags(tags: list[str], limit: int) -> list[str]:
    """As many tags as fit in `limit` characters (YouTube counts the commas between
    tags, and the quotes it puts round a tag with a space)."""
    out, used = [], 0
    for tag in tags:
        cost = len(tag) + (2 if " " in tag else 0) + (1 if out else 0)
        if used + cost > limit:
            continue
        out.append(tag)
        used += cost
    return out


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def platform_fields(platform, title: str, desc: str, tags: list[str], width: int, height: int,
                    duration: float, size: int | None, made_for_kids: bool | None = None) -> dict:
    problems = platform.check_limits(width, height, duration)
    if size is not None:
        problems += platform.check_file_size(size)
    hashtags = list(platform.hashtags)
    fields: dict[str, Any] = {
        "ok": not problems, "problems": problems,
        "warnings": [w for w in platform.warnings(width, height, 0) if "fps" not in w],
        "title": _clip(title, platform.title_max),
        "tags": fit_tags(tags, platform.tags_max),
        "thumbnail": list(platform.thumbnail),
    }
    tail = ("\n\n" + " ".join(hashtags)) if hashtags else ""
    fields["description"] = _clip(desc, platform.description_max - len(tail)) + tail
    if platform.title_max == platform.description_max:
        # One caption field (TikTok, Instagram): the title, then hashtags from the tags.
        tagline = " ".join(["#" + re.sub(r"\W+", "", t) for t in tags[:5] if re.sub(r"\W+", "", t)] + hashtags)
        fields["caption"] = _clip(title, platform.title_max - len(tagline) - 2) + ("\n\n" + tagline if tagline else "")
    if made_for_kids is not None:
        # Every platform's form asks; YouTube's API field is status.selfDeclaredMadeForKids.
        fields["made_for_kids"] = made_for_kids
        if platform.name in ("youtube", "shorts"):
            fields["status"] = {"selfDeclaredMadeForKids": made_for_kids}
    return fields


# -- metadata ---------------------------------------------------------------------------------------


def write_metadata(timeline: Timeline, video: str | Path, platform=None, loudness: tuple[float, float] | None = None,
                   *, info=None, thumbnail: dict | None = None, captions: list[Path] | None = None,
                   start: float = 0.0, end: float | None = None) -> Path:
    """OUT.json beside the video: everything a platform's upload form asks for, and
    the facts of the file as written (probed from it, loudness measured from it
    unless `loudness` is given)."""
    from .platforms import platforms
    from .quality import caption_speeds, probe

    video = Path(video)
    end = timeline.duration if end is None else end
    if info is None:
        info = probe(video, loudness=loudness is None)
    if loudness is not None:
        info.loudness = loudness
    facts = info.to_dict()
    chapters = chapter_list(timeline, start, end)
    lines, note = youtube_chapters(chapters)
    paragraphs = spoken_text(timeline, start, end)
    desc = description(timeline.title, paragraphs, lines, timeline.description, timeline.tags)
    tags = tags_for(timeline.title, chapters, timeline.tags)
    meta: dict[str, Any] = {
        "storyreel_metadata": METADATA_VERSION,
        "file": video.name,
        "title": timeline.title,
        "description": desc,
        "tags": tags,
        "made_for_kids": timeline.made_for_kids,
        "chapters": chapters,
        "youtube_chapters": "\n".join(lines),
        "youtube_chapters_note": note,
        **facts,
        "codecs": ", ".join(x for x in (
            facts["video"] and f"{facts['video']['codec']} {facts['video']['profile']}",
            facts["audio"] and f"{facts['audio']['codec']} {facts['audio']['profile']}") if x),
        "aspect": _aspect(facts["width"], facts["height"]),
        "spoken_text": "\n\n".join(paragraphs),
        "thumbnail": thumbnail,
        "captions": None,
        "text": text_regions(timeline, start, end),
        "platform": platform.name if platform is not None else None,
        "audience_age": timeline.audience_age,
        "speech": _speech(timeline),
    }
    if captions:
        speeds = caption_speeds(captions[0]) if captions[0].suffix == ".srt" else []
        meta["captions"] = {
            **{p.suffix[1:]: p.name for p in captions}, "cues": len(speeds),
            "max_chars_per_second": round(max((s[2] for s in speeds), default=0.0), 1),
        }
    meta["platforms"] = {
        name: platform_fields(p, timeline.title, desc, tags, facts["width"], facts["height"], facts["duration"],
                              facts["file_size"], timeline.made_for_kids)
        for name, p in platforms().items()
    }
    if platform is not None:
        meta["platform_profile"] = platform.to_dict()
    out = sidecar(video, ".json")
    with atomic_output(out, ".json") as tmp:
        tmp.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


def _speech(timeline: Timeline) -> dict | None:
    """Who spoke the lines: per provider, lines, seconds, characters, syntheses, cache
    hits and failures (a paid one's cost and spending), the order tried, the fallbacks
    taken and the budget (engine/speech `speech_report`)."""
    if not any(clip.kind == "speech" for clip in timeline.audio):
        return None
    from ..speech import speech_report

    return speech_report(timeline.audio, timeline.speech_providers, timeline.speech_budget)


def _aspect(w: int, h: int) -> str | None:
    if not w or not h:
        return None
    g = math.gcd(w, h)
    a, b = w // g, h // g
    for x, y in ((16, 9), (9, 16), (4, 5), (1, 1), (4, 3), (3, 4), (21, 9)):
        if abs(w / h - x / y) < 0.01:
            return f"{x}:{y}"
    return f"{a}:{b}"


def write_publish_outputs(timeline: Timeline, video: str | Path, platform=None, *, start: float | None = None,
                          end: float | None = None, captions_written: bool | None = None) -> list[Path]:
    """Every publisher's files beside `video`, a file `render_video` has just
    written from `timeline` (and the same start/end range): the built-in ones
    (captions when there is speech, the thumbnail, OUT.json) first, in that order,
    then other packages' in name order. Returns the files written."""
    video = Path(video)
    start = 0.0 if start is None else start
    end = timeline.duration if end is None else end
    # What the built-in publishers pass on: whether the render already wrote the
    # captions, the caption files, the thumbnail's facts (OUT.json records both).
    made: dict[str, Any] = {"captions_written": timeline.captions_mode != "off"
                            if captions_written is None else captions_written}
    written: list[Path] = []
    builtin = [name for name in BUILT_IN_PUBLISHERS if name in PUBLISHERS]
    for name in [*builtin, *(n for n in PUBLISHERS.names() if n not in BUILT_IN_PUBLISHERS)]:
        publish = PUBLISHERS[name]
        extra = {"made": made} if publish is BUILT_IN_PUBLISHERS.get(name) else {}
        written += [Path(p) for p in publish(timeline, video, platform, start=start, end=end, **extra) or ()]
    return written


def publish_captions(timeline: Timeline, video: Path, platform=None, *, start: float, end: float,
                     made: dict | None = None) -> list[Path]:
    """OUT.srt and OUT.vtt when the range has spoken lines (unless the render wrote them)."""
    from ..encode.frames import caption_cues, write_caption_files

    made = {} if made is None else made
    if made.get("captions_written"):
        made["captions"] = [p for p in (video.with_suffix(".srt"), video.with_suffix(".vtt")) if p.is_file()]
        return []
    made["captions"] = write_caption_files(timeline, video, start, end) if caption_cues(timeline, start, end) else []
    return made["captions"]


def publish_thumbnail(timeline: Timeline, video: Path, platform=None, *, start: float, end: float,
                      made: dict | None = None) -> list[Path]:
    """OUT.thumbnail.png and OUT.thumbnail.jpg (`write_thumbnail`)."""
    thumb = write_thumbnail(timeline, video, platform=platform, start=start, end=end)
    if made is not None:
        made["thumbnail"] = thumb
    return [video.with_name(thumb["png"]), video.with_name(thumb["jpg"])]


def publish_metadata(timeline: Timeline, video: Path, platform=None, *, start: float, end: float,
                     made: dict | None = None) -> list[Path]:
    """OUT.json (`write_metadata`), recording the thumbnail and captions written before it."""
    made = {} if made is None else made
    return [write_metadata(timeline, video, platform, thumbnail=made.get("thumbnail"),
                           captions=made.get("captions"), start=start, end=end)]


# Publishers by name: publish(timeline, video, platform, *, start, end) writes its
# files beside `video` and returns their paths. Another package adds one through
# the `storyreel.publishers` entry point (engine/plugins.py) or `PUBLISHERS.register`;
# the built-in ones are registered the same way and always run first, in this
# order, so that a publisher may read OUT.json (`PUBLISHERS.unregister("thumbnail")`
# turns one off).
BUILT_IN_PUBLISHERS: dict[str, Callable] = {
    "captions": publish_captions, "thumbnail": publish_thumbnail, "metadata": publish_metadata}
PUBLISHERS: Registry = Registry(PUBLISHERS_GROUP)
for _name, _publish in BUILT_IN_PUBLISHERS.items():
    PUBLISHERS.register(_name, _publish, builtin=True)
