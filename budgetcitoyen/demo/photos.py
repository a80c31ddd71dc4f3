"""Photos for the demo's initiatives, drawn at seed time with Pillow (no downloaded picture, no real
person): a sky, hills, the initiative's place, trees and a few people. They go through the real photo
pipeline (re-encoding, widths, the configured storage), so the demo shows what holders' photos become."""

from __future__ import annotations

import io
import random
from datetime import datetime

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from budgetcitoyen.editions.models import Edition
from budgetcitoyen.initiatives import images, photos
from budgetcitoyen.initiatives.models import Initiative
from budgetcitoyen.initiatives.rules import Status
from budgetcitoyen.storage import Storage

WIDTH, HEIGHT = 1200, 800
# Enough for the catalogue's first page and the demo holder's draft to show faces, few enough that
# seeding stays quick (each photo is decoded and re-encoded like a real one).
PUBLIC_PHOTOS = 10
SKIES = [((120, 180, 235), (215, 235, 250)), ((250, 190, 140), (255, 235, 200)),
         ((150, 200, 225), (235, 245, 240))]
HILLS = [(110, 160, 90), (90, 140, 110), (140, 170, 80)]
FACADES = [(200, 90, 70), (230, 200, 150), (120, 140, 170), (190, 160, 120), (160, 110, 150)]
CLOTHES = [(40, 90, 160), (200, 60, 60), (240, 170, 40), (60, 140, 90), (120, 70, 150), (30, 30, 30)]
SKINS = [(250, 215, 180), (220, 170, 130), (160, 110, 80), (110, 75, 55)]


def draw_scene(seed: int) -> Image.Image:
    """A simple, recognisable scene: a place of the initiative and people in front of it."""
    rng = random.Random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT))
    draw = ImageDraw.Draw(image)
    top, bottom = rng.choice(SKIES)
    for y in range(HEIGHT):
        t = y / HEIGHT
        draw.line((0, y, WIDTH, y),
                  fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)))
    sun_x = rng.randrange(100, WIDTH - 100)
    draw.ellipse((sun_x - 60, 60, sun_x + 60, 180), fill=(255, 225, 120))
    for index, colour in enumerate(rng.sample(HILLS, 2)):
        crest = 430 + 60 * index
        draw.ellipse((-300 + rng.randrange(0, 400), crest, WIDTH + 300 - rng.randrange(0, 400),
                      crest + 700), fill=colour)
    # The place: a house-like building with a roof, windows and an open door.
    left = rng.randrange(120, 520)
    right, base = left + rng.randrange(380, 560), 640
    facade = rng.choice(FACADES)
    draw.rectangle((left, 360, right, base), fill=facade, outline=(70, 60, 50), width=4)
    draw.polygon([(left - 30, 362), ((left + right) // 2, 250), (right + 30, 362)], fill=(110, 60, 50))
    for x in range(left + 40, right - 60, 110):
        draw.rectangle((x, 400, x + 60, 460), fill=(230, 240, 250), outline=(70, 60, 50), width=3)
    door = (left + right) // 2
    draw.rectangle((door - 40, 520, door + 40, base), fill=(90, 60, 40))
    # Trees.
    for x in rng.sample(range(40, WIDTH - 40, 90), 3):
        draw.rectangle((x - 10, 520, x + 10, 640), fill=(100, 70, 40))
        draw.ellipse((x - 60, 420, x + 60, 550), fill=(60, 130, 60))
    draw.rectangle((0, 640, WIDTH, HEIGHT), fill=(170, 160, 140))
    # People, in front.
    for x in sorted(rng.sample(range(80, WIDTH - 80, 70), rng.randint(3, 6))):
        height = rng.randint(150, 210)
        feet = rng.randint(720, 780)
        head = feet - height
        draw.rounded_rectangle((x - 28, head + 40, x + 28, feet), radius=22, fill=rng.choice(CLOTHES))
        draw.ellipse((x - 24, head, x + 24, head + 48), fill=rng.choice(SKINS))
    return image


def seed_photos(session: Session, edition: Edition, files: Storage, now: datetime) -> int:
    """Give photos to the first public initiatives and to the demo holder's draft; returns how many."""
    initiatives = session.scalars(
        select(Initiative).where(Initiative.edition_id == edition.id)
        .options(selectinload(Initiative.photo)).order_by(Initiative.id)).all()
    public = [i for i in initiatives if i.status in (Status.ON_BALLOT.value, Status.LABELLED.value)]
    drafts = [i for i in initiatives if i.status == Status.DRAFT.value][:1]
    made = 0
    for initiative in [*public[:PUBLIC_PHOTOS], *drafts]:
        if initiative.photo is not None:
            continue
        out = io.BytesIO()
        draw_scene(initiative.id).save(out, "PNG")
        place = initiative.title.split(" à ", 1)[0].lower()
        alt = f"Dessin : des habitants devant le lieu de l'initiative « {place} », sous un ciel dégagé"
        # Added with the dossier, as a holder would: the history's dates stay as the demo wrote them.
        last_change = initiative.updated_at
        photos.store_photo(session, initiative, images.prepare(out.getvalue()), alt, files,
                           min(initiative.filed_at or last_change, now))
        initiative.updated_at = last_change
        made += 1
    return made
