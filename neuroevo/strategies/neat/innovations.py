"""Global innovation numbers and node ids of NEAT (Stanley & Miikkulainen 2002, section 3.2).

"Whenever a new gene appears (through structural mutation), a global innovation number is incremented and
assigned to that gene" — and "when the same structure arises more than once through independent mutations
in the same generation, each identical mutation is assigned the same innovation number". Here that holds
for both structural mutations: a connection added between the same two nodes gets one number per
generation, and the same connection split in two genomes of one generation gets the same new node id and
the same two connection numbers (neat-python 2.0 gives such splits different node ids, so they never match).
"""

from __future__ import annotations


class InnovationTracker:
    """Hands out innovation numbers and node ids; the list of this generation's innovations dedups them.

    Args:
        next_innovation: the number the next new connection gene gets.
        next_node: the id the next new hidden node gets.

    The state to save is ``(next_innovation, next_node)``: the generation's list is cleared by
    :meth:`new_generation` before any mutation, so a checkpoint taken between generations has none.
    """

    def __init__(self, next_innovation: int = 0, next_node: int = 0):
        self.next_innovation, self.next_node = int(next_innovation), int(next_node)
        self._connections: dict[tuple[int, int], int] = {}
        self._splits: dict[int, tuple[int, int, int]] = {}

    def new_generation(self) -> None:
        """Forget this generation's innovations (the counters go on)."""
        self._connections.clear()
        self._splits.clear()

    def connection(self, src: int, dst: int) -> int:
        """The innovation number of a new connection ``src -> dst`` (shared within the generation)."""
        key = (src, dst)
        if key not in self._connections:
            self._connections[key] = self.next_innovation
            self.next_innovation += 1
        return self._connections[key]

    def split(self, innovation: int) -> tuple[int, int, int]:
        """``(node id, innovation in, innovation out)`` of splitting connection ``innovation``."""
        if innovation not in self._splits:
            self._splits[innovation] = (self.next_node, self.next_innovation, self.next_innovation + 1)
            self.next_node += 1
            self.next_innovation += 2
        return self._splits[innovation]

    def state(self) -> dict:
        return {"next_innovation": self.next_innovation, "next_node": self.next_node}
