package diagram

// Choices this package makes where issue 14 leaves the drawing open. Each
// names the code that makes it and the test that pins it.
//
//	No layout library (layout.go). The layered drawing is written here:
//	    ranks by longest path, crossing reduction by barycenter sweeps, x by
//	    weighted isotonic regression per row — a few hundred lines, standard
//	    library only, so it builds into the page's ui.wasm without pulling in
//	    a dependency, and every coordinate can be worked out by hand in a
//	    test (TestChain, TestForkAndMerge, TestResidualBlock).
//	Ranks (graph.layer, TestSecondInput, TestCollapseCycle). Edges are
//	    oriented by model order, which for a Keras or Akida model is
//	    topological: no cycle to break. An edge against model order (a
//	    collapsed block whose layers are not consecutive, an inbound named
//	    later in a hand-written report) is laid out turned and drawn upwards,
//	    Reversed. A source that feeds later layers only (a second input)
//	    sits one row above its first user instead of at the top.
//	Order in a row (orderRows). Eight barycenter sweeps, down then up, the
//	    order with fewest crossings kept; ties keep model order, boxes
//	    before the points where long edges cross the row, so of two
//	    branches the first in the model is on the left, and a skip
//	    connection passes to the right of the main path.
//	x (placeRows, placeRow). Each vertex moves towards the weighted mean of
//	    its neighbours in the row above (down sweeps) or below (up sweeps); a
//	    box weighs 1000 times a long edge's crossing point, so boxes stay in
//	    their column and long edges go around them: a residual block's main
//	    path is one straight column and the Add sits under it
//	    (TestResidualBlock); two real branches are centered under their fork
//	    (TestForkAndMerge). Left edges are rounded half up at the end, which
//	    keeps every gap whole.
//	Sizes (layout.go constants). Text is monospace 12 px, 7.5 units per
//	    character (the common monospace fonts advance 7.2): boxes are sized
//	    without measuring text in a browser, identically in Go, in the page
//	    and in a downloaded .svg. Widths are rounded up to even numbers so
//	    that a column's edges are straight. A box says name, class, output
//	    shape and one "⚠ rule" line per rule broken. Rows are 48 apart: a
//	    frame's bottom padding (6), the next frame's title and padding (22)
//	    and 20 of visible edge. Boxes side by side are 24 apart (two frame
//	    paddings and room), a long edge passes 16 from a box and 12 from
//	    another long edge.
//	Frames (placeFrames, TestFixtures/checkFrames). A frame is the bounding
//	    rectangle of its block's boxes plus 6, with its title "conv_1:
//	    Convolutional w4 a4" (Akida layer: type and bits) above; the boxes
//	    of a block are widened to its title so that the frame is no wider
//	    than its boxes and never reaches a neighbour. On every fixture no
//	    frame holds a foreign box and no two frames overlap. A block's layer
//	    that the model does not have (an activation the quantizer split
//	    from a Dense, e.g. dense/softmax) is not drawn; a block with none
//	    of the model's layers (an InputData the converter adds) has no frame
//	    and is listed in Diagram.Added.
//	Merges and forks (markMergesAndForks, TestForkAndMerge). A box with
//	    more than one incoming edge is a merge: rounded corners, and its
//	    edges converge on its top center; a box with more than one outgoing
//	    edge is a fork: its edges leave from one dot at its bottom center.
//	Edges (routeEdges, edgePath). One per inbound connection (a layer fed
//	    twice by one layer gets two). Between rows a cubic curve with
//	    vertical tangents, through a row a straight line; the arrowhead is
//	    drawn as its own small path, so the SVG needs no <marker> and no
//	    id that two diagrams in one page could share.
//	Collapsed blocks (kerasGraph, TestFixtures/checkCollapsed). A collapsed
//	    block is one box at the place of its first layer, saying the Akida
//	    layer's name, type with bits, Akida output shape and its number of
//	    Keras layers; its internal edges vanish and the connections between
//	    two boxes become one edge carrying all of them (Edge.Links).
//	Box IDs. A layer's box is its name; a collapsed block's is
//	    "block:" + its Akida layer name; blocks sharing an Akida layer name
//	    (only in the plan of a model that does not convert) are told apart
//	    with "#2", "#3" (TestReportOddities).
//	Limits (MaxBoxes, MaxRoute, TestLimits). 10,000 boxes and 200,000 row
//	    crossings by long edges: far above any model Akida runs, low enough
//	    that a hostile report cannot make the page allocate without bound.
//	Details (kerasDetails, akidaDetails, TestAkidaV2Merge). The selection
//	    pane's rows are computed here too, so the page only lists them: an
//	    Akida layer's input shapes are its inbounds' output shapes (the
//	    model's input shape for an input layer), its parameters sorted by
//	    name without the layer_type number, its variables with element type
//	    and numpy shape.
