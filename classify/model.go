package classify

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"sync"
)

// Model file format, version 1 (all integers little-endian):
//
//	magic    [8]byte "PARLEYAH"
//	version  uint32  = 1
//	hlen     uint32
//	header   [hlen]byte JSON (fileHeader)
//	per head, in header order:
//	  nnz    uvarint
//	  nnz × (uvarint index delta from the previous non-zero, int8 code)
//	crc      uint32  CRC-32 (IEEE) of everything before it
//
// A weight is codebook(code) = sign(code) * scale * (|code|/127)²: square-law
// companding keeps resolution for the many small weights and range for the
// few large ones in one byte.
const (
	fileMagic   = "PARLEYAH"
	fileVersion = 1
)

// HeadAdHominem is the main head: an attack on a person.
const (
	HeadAdHominem = "adhominem"
	HeadOLIDA     = "olid_a" // offensive vs not
	HeadOLIDB     = "olid_b" // targeted insult vs untargeted, for offensive text
	HeadOLIDCInd  = "olid_c_ind"
	HeadOLIDCGrp  = "olid_c_grp"
	HeadOLIDCOth  = "olid_c_oth"
)

type fileHeader struct {
	Version       string       `json:"version"`
	Recipe        string       `json:"recipe"`
	FlagThreshold float64      `json:"flag_threshold"`
	PlattA        float64      `json:"platt_a"`
	PlattB        float64      `json:"platt_b"`
	Heads         []headHeader `json:"heads"`
	// WordOrder: the model was trained with the word-order features (v5
	// on); a file without it is scored without them, as it was trained.
	WordOrder bool `json:"word_order,omitempty"`
}

type headHeader struct {
	Name      string  `json:"name"`
	Bits      int     `json:"bits"`
	Bias      float64 `json:"bias"`
	Scale     float64 `json:"scale"`
	Threshold float64 `json:"threshold"`          // decision threshold (binary) or offset (one-vs-rest)
	NoLex     bool    `json:"no_lex,omitempty"`   // the head ignores the lexicon cues
	NoOrder   bool    `json:"no_order,omitempty"` // the head ignores the word-order features
}

// head is one linear classifier over the shared hashed features.
type head struct {
	headHeader
	mask  uint32
	codes []int8
	book  [256]float32 // indexed by uint8(code)
}

// Model is a trained ad hominem classifier. It is safe for concurrent use.
type Model struct {
	hdr   fileHeader
	heads []*head
	main  *head
	pool  sync.Pool
}

// Version identifies the model: the recipe name and a checksum of its bytes.
func (m *Model) Version() string { return m.hdr.Version }

// FlagThreshold is the score at or above which a comment is flagged as an
// attack, chosen at training time and stored in the model file.
func (m *Model) FlagThreshold() float64 { return m.hdr.FlagThreshold }

//go:embed model/parley-adhominem.bin
var embeddedModel []byte

var (
	defaultOnce  sync.Once
	defaultModel *Model
)

// Default returns the model shipped inside the binary. It panics only if the
// embedded file is corrupt, which the tests rule out.
func Default() *Model {
	defaultOnce.Do(func() {
		m, err := Load(bytes.NewReader(embeddedModel))
		if err != nil {
			panic("classify: embedded model: " + err.Error())
		}
		defaultModel = m
	})
	return defaultModel
}

// LoadFile reads a model file written by `parley model train`.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	m, err := Load(bufio.NewReader(f))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

// ErrFormat is returned (wrapped) by Load for anything that is not a valid
// model file of a supported version.
var ErrFormat = errors.New("classify: bad model file")

// Load reads a model in the versioned format.
func Load(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	if len(data) < 20 || string(data[:8]) != fileMagic {
		return nil, fmt.Errorf("%w: not a Parley model (wrong magic)", ErrFormat)
	}
	if v := binary.LittleEndian.Uint32(data[8:12]); v != fileVersion {
		return nil, fmt.Errorf("%w: format version %d, this build reads version %d", ErrFormat, v, fileVersion)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.ChecksumIEEE(body) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch (truncated or corrupt)", ErrFormat)
	}
	hlen := int(binary.LittleEndian.Uint32(data[12:16]))
	if 16+hlen > len(body) {
		return nil, fmt.Errorf("%w: header length %d out of range", ErrFormat, hlen)
	}
	m := &Model{}
	if err := json.Unmarshal(body[16:16+hlen], &m.hdr); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrFormat, err)
	}
	rest := body[16+hlen:]
	for _, hh := range m.hdr.Heads {
		if hh.Bits < 8 || hh.Bits > 24 {
			return nil, fmt.Errorf("%w: head %q has %d bits", ErrFormat, hh.Name, hh.Bits)
		}
		h := newHead(hh)
		nnz, n := binary.Uvarint(rest)
		if n <= 0 {
			return nil, fmt.Errorf("%w: head %q: bad count", ErrFormat, hh.Name)
		}
		rest = rest[n:]
		idx := uint64(0)
		for k := uint64(0); k < nnz; k++ {
			d, n := binary.Uvarint(rest)
			if n <= 0 || n >= len(rest) {
				return nil, fmt.Errorf("%w: head %q: truncated weights", ErrFormat, hh.Name)
			}
			idx += d
			if idx >= uint64(len(h.codes)) {
				return nil, fmt.Errorf("%w: head %q: index out of range", ErrFormat, hh.Name)
			}
			h.codes[idx] = int8(rest[n])
			rest = rest[n+1:]
		}
		m.heads = append(m.heads, h)
		if hh.Name == HeadAdHominem {
			m.main = h
		}
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrFormat, len(rest))
	}
	if m.main == nil {
		return nil, fmt.Errorf("%w: no %q head", ErrFormat, HeadAdHominem)
	}
	m.init()
	return m, nil
}

func newHead(hh headHeader) *head {
	h := &head{headHeader: hh, mask: 1<<hh.Bits - 1, codes: make([]int8, 1<<hh.Bits)}
	for c := -128; c <= 127; c++ {
		a := float64(c)
		if a < -127 {
			a = -127
		}
		v := hh.Scale * (a / 127) * math.Abs(a/127)
		h.book[uint8(int8(c))] = float32(v)
	}
	return h
}

func (m *Model) init() {
	noOrder := !m.hdr.WordOrder
	m.pool.New = func() any { return &extractor{noOrder: noOrder} }
}

func (m *Model) head(name string) *head {
	for _, h := range m.heads {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// encode writes the model in the file format. The bytes depend only on the
// header and the codes, so training is reproducible byte for byte.
func (m *Model) encode() []byte {
	var b bytes.Buffer
	b.WriteString(fileMagic)
	var u [binary.MaxVarintLen64]byte
	binary.LittleEndian.PutUint32(u[:4], fileVersion)
	b.Write(u[:4])
	hj, err := json.Marshal(m.hdr)
	if err != nil {
		panic(err) // plain struct of numbers and strings
	}
	binary.LittleEndian.PutUint32(u[:4], uint32(len(hj)))
	b.Write(u[:4])
	b.Write(hj)
	for _, h := range m.heads {
		nnz := 0
		for _, c := range h.codes {
			if c != 0 {
				nnz++
			}
		}
		b.Write(u[:binary.PutUvarint(u[:], uint64(nnz))])
		prev := 0
		for i, c := range h.codes {
			if c == 0 {
				continue
			}
			b.Write(u[:binary.PutUvarint(u[:], uint64(i-prev))])
			b.WriteByte(byte(c))
			prev = i
		}
	}
	binary.LittleEndian.PutUint32(u[:4], crc32.ChecksumIEEE(b.Bytes()))
	b.Write(u[:4])
	return b.Bytes()
}

// margin is the raw linear score of one head over extracted features.
func (h *head) margin(e *extractor) float64 {
	var sw, sc float32
	if !h.NoLex && !h.NoOrder {
		for _, f := range e.feats[:e.nWord] {
			sw += h.book[uint8(h.codes[f.h&h.mask])]
		}
	} else {
		for _, f := range e.feats[:e.nBase] {
			sw += h.book[uint8(h.codes[f.h&h.mask])]
		}
		if !h.NoLex {
			for _, f := range e.feats[e.nBase:e.nLex] {
				sw += h.book[uint8(h.codes[f.h&h.mask])]
			}
		}
		if !h.NoOrder {
			for _, f := range e.feats[e.nLex:e.nWord] {
				sw += h.book[uint8(h.codes[f.h&h.mask])]
			}
		}
	}
	for _, f := range e.feats[e.nWord:] {
		sc += h.book[uint8(h.codes[f.h&h.mask])]
	}
	nw, nc := groupNorms(e)
	if h.NoLex || h.NoOrder {
		nw = float64(wordNorm(e.nBase, e.nLex, e.nWord, h.NoLex, h.NoOrder))
	}
	return h.Bias + float64(sw)*nw + float64(sc)*nc
}

// wordNorm is 1/sqrt(count) of the word-group features a head uses, as
// float32 (the training code stores it so).
func wordNorm(nBase, nLex, nWord int, noLex, noOrder bool) float32 {
	n := nBase
	if !noLex {
		n += nLex - nBase
	}
	if !noOrder {
		n += nWord - nLex
	}
	if n == 0 {
		return 0
	}
	return float32(1 / math.Sqrt(float64(n)))
}

// groupNorms returns 1/sqrt(count) for the word and character groups, so
// that long and short comments are on the same scale.
func groupNorms(e *extractor) (nw, nc float64) {
	if e.nWord > 0 {
		nw = 1 / math.Sqrt(float64(e.nWord))
	}
	if c := len(e.feats) - e.nWord; c > 0 {
		nc = 1 / math.Sqrt(float64(c))
	}
	return nw, nc
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	z := math.Exp(x)
	return z / (1 + z)
}

func (m *Model) calibrate(margin float64) float64 {
	return sigmoid(m.hdr.PlattA*margin + m.hdr.PlattB)
}

// Span is a part of the scored text that pushed the score up: byte offsets
// into the original input, and Text = text[Start:End].
type Span struct {
	Start, End int
	Text       string
}

// Result is the ad hominem score of a comment, calibrated to [0, 1], and
// the spans that contributed most to it, sorted and non-overlapping.
type Result struct {
	Score float64
	Spans []Span
	// Why is the reason line (why.go): whom the words that drove the score
	// are aimed at. Meaningful when the score is at or above the threshold.
	Why string
	// Conduct is set by ScoreContext when the comment judges a public
	// figure's conduct or competence without a label (the site's policy
	// decided its score).
	Conduct bool
}

// Score judges one comment.
func (m *Model) Score(text string) Result {
	e := m.pool.Get().(*extractor)
	defer m.pool.Put(e)
	toks := e.extract(text)
	mg := m.scoreMain(e, len(toks))
	res := Result{Score: m.calibrate(mg)}
	res.Spans = m.explain(e, toks, text)
	res.Why = m.why(e, toks, text)
	return res
}

// headProb is the uncalibrated probability of a named head, for evaluation.
func (m *Model) headProb(name, text string) float64 {
	h := m.head(name)
	if h == nil {
		return math.NaN()
	}
	e := m.pool.Get().(*extractor)
	defer m.pool.Put(e)
	e.extract(text)
	return sigmoid(h.margin(e))
}
