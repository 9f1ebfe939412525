"""Pure frame-to-frame computations behind the cards: no I/O, no Panel, tested on small frames."""
