"""Text for people: captions within each platform's limit, how platforms count characters, dates in Indonesian."""

from publisher.text.captions import Caption, build_caption
from publisher.text.counting import Counting, count
from publisher.text.dates import format_wib

__all__ = ["Caption", "Counting", "build_caption", "count", "format_wib"]
