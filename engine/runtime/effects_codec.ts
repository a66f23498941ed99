/**
 * A compact form of plain JSON-like data for `postMessage`: every value is a
 * tag and, for numbers, strings and containers, one more number in a
 * `Float64Array` whose buffer is transferred (not copied); strings and the key
 * lists of objects (shapes) are listed once per message. Decoding gives
 * exactly what `JSON.parse(JSON.stringify(value))` gives: non-finite numbers
 * become `null`, `-0` becomes `0`, an `undefined` value (or a function or a
 * symbol) is left out of an object and becomes `null` in an array, key order
 * is kept; anything but plain objects and arrays (a `Date`, a class instance)
 * travels as its JSON text. Cheaper to build, send and read than JSON text
 * for the many small objects of a worker's effects.
 */

const NULL = 0;
const FALSE = 1;
const TRUE = 2;
const NUMBER = 3;
const STRING = 4;
const OBJECT = 5;
const ARRAY = 6;
/** JSON text of something that is not plain data, in the string table. */
const JSON_TEXT = 7;

/** Values encoded together, ready to post with `transfer: [numbers.buffer]`. */
export interface Encoded {
  /** Tags, numbers and table indexes, in order. */
  readonly numbers: Float64Array;
  /** The distinct strings of the values, each once. */
  readonly strings: readonly string[];
  /** The distinct key lists of the objects, each once. */
  readonly shapes: readonly (readonly string[])[];
}

/** A node of the key-list trie: the shape that ends here, numbered per message. */
interface ShapeNode {
  readonly next: Map<string, ShapeNode>;
  /** The keys from the root to here. */
  readonly keys: readonly string[];
  /** Its index in the message being built, valid while `message` is the current one. */
  id: number;
  message: number;
}

/** Shapes kept across messages at most (then the trie starts afresh). */
const MAX_SHAPES = 4096;

/**
 * Encodes lists of values into one {@link Encoded} message. Reused across
 * messages (it keeps its buffer and the shapes it has seen); not reentrant.
 */
export class Encoder {
  #numbers = new Float64Array(4096);
  #length = 0;
  #strings: string[] = [];
  #stringIds = new Map<string, number>();
  #shapes: (readonly string[])[] = [];
  #root = Encoder.#node([]);
  #nodes = 0;
  #message = 0;
  /** `Object.prototype` has enumerable properties, which `for in` would list. */
  #inherited = false;

  static #node(keys: readonly string[]): ShapeNode {
    return { next: new Map(), keys, id: -1, message: -1 };
  }

  /** Encodes `values` (each as `JSON.stringify` would see it in an array) and starts a new message. */
  encode(values: readonly unknown[]): Encoded {
    this.#message++;
    this.#inherited = hasEnumerable(Object.prototype);
    this.#length = 0;
    this.#strings = [];
    this.#stringIds.clear();
    this.#shapes = [];
    if (this.#nodes > MAX_SHAPES) {
      this.#root = Encoder.#node([]);
      this.#nodes = 0;
    }
    for (let i = 0; i < values.length; i++) {
      if (!this.#value(values[i])) this.#tag(NULL);
    }
    return {
      numbers: this.#numbers.slice(0, this.#length),
      strings: this.#strings,
      shapes: this.#shapes,
    };
  }

  #push(a: number, b: number): void {
    if (this.#length + 2 > this.#numbers.length) this.#grow();
    this.#numbers[this.#length++] = a;
    this.#numbers[this.#length++] = b;
  }

  #tag(tag: number): void {
    if (this.#length === this.#numbers.length) this.#grow();
    this.#numbers[this.#length++] = tag;
  }

  #grow(): void {
    const grown = new Float64Array(this.#numbers.length * 2);
    grown.set(this.#numbers);
    this.#numbers = grown;
  }

  #string(tag: number, text: string): void {
    let id = this.#stringIds.get(text);
    if (id === undefined) {
      id = this.#strings.length;
      this.#strings.push(text);
      this.#stringIds.set(text, id);
    }
    this.#push(tag, id);
  }

  /** The shape one key longer than `node`'s. */
  #child(node: ShapeNode, key: string): ShapeNode {
    let next = node.next.get(key);
    if (next === undefined) {
      next = Encoder.#node([...node.keys, key]);
      node.next.set(key, next);
      this.#nodes++;
    }
    return next;
  }

  /** The index in this message of the shape that ends at `node`. */
  #shapeId(node: ShapeNode): number {
    if (node.message !== this.#message) {
      node.message = this.#message;
      node.id = this.#shapes.length;
      this.#shapes.push(node.keys);
    }
    return node.id;
  }

  /** Writes `value`; false (nothing written) when JSON leaves it out (`undefined`, a function, a symbol). */
  #value(value: unknown): boolean {
    switch (typeof value) {
      case "number":
        if (value === 0) this.#push(NUMBER, 0);
        else if (value - value === 0) this.#push(NUMBER, value);
        else this.#tag(NULL);
        return true;
      case "string":
        this.#string(STRING, value);
        return true;
      case "boolean":
        this.#tag(value ? TRUE : FALSE);
        return true;
      case "object":
        if (value === null) this.#tag(NULL);
        else if (Array.isArray(value)) this.#array(value);
        else return this.#object(value);
        return true;
      case "bigint":
        JSON.stringify(value); // throws, as JSON does
    }
    return false;
  }

  #array(array: readonly unknown[]): void {
    this.#push(ARRAY, array.length);
    for (let i = 0; i < array.length; i++) {
      if (!this.#value(array[i])) this.#tag(NULL);
    }
  }

  #object(object: object): boolean {
    const prototype = Object.getPrototypeOf(object);
    if (
      (prototype !== Object.prototype && prototype !== null) ||
      typeof (object as { toJSON?: unknown }).toJSON === "function"
    ) {
      const text: string | undefined = JSON.stringify(object);
      if (text === undefined) return false;
      this.#string(JSON_TEXT, text);
      return true;
    }
    this.#push(OBJECT, 0);
    const at = this.#length - 1;
    let node = this.#root;
    // `for in` reads the keys without making a list of them; it lists inherited ones only if
    // something made a property of `Object.prototype` enumerable (then they are skipped).
    for (const key in object) {
      if (this.#inherited && !Object.hasOwn(object, key)) continue;
      if (this.#value((object as Record<string, unknown>)[key])) node = this.#child(node, key);
    }
    this.#numbers[at] = this.#shapeId(node);
    return true;
  }
}

function hasEnumerable(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

/** Builders of objects of one shape, made once per key list: `build(read)` reads each value in key order. */
type Build = (read: () => unknown) => Record<string, unknown>;

/** Builders kept at most (then the cache starts afresh). */
const MAX_BUILDS = 4096;

/**
 * Decodes {@link Encoded} messages into the values given to
 * {@link Encoder.encode}, as JSON would give them back. Reused across messages
 * (it keeps a builder per shape, which makes objects as fast as `JSON.parse`
 * does); not reentrant.
 */
export class Decoder {
  #builds = new Map<string, Build>();

  /** The values of one message, in order. */
  decode(encoded: Encoded): unknown[] {
    const { numbers, strings } = encoded;
    const builds = encoded.shapes.map((keys) => this.#build(keys));
    let at = 0;
    const read = (): unknown => {
      const tag = numbers[at++];
      switch (tag) {
        case NUMBER:
          return numbers[at++];
        case STRING:
          return strings[numbers[at++]];
        case OBJECT:
          return builds[numbers[at++]](read);
        case ARRAY: {
          const array = new Array(numbers[at++]);
          for (let i = 0; i < array.length; i++) array[i] = read();
          return array;
        }
        case NULL:
          return null;
        case FALSE:
          return false;
        case TRUE:
          return true;
        case JSON_TEXT:
          return JSON.parse(strings[numbers[at++]]);
      }
      throw new Error(`effects codec: unknown tag ${tag} at ${at - 1}`);
    };
    const values: unknown[] = [];
    while (at < numbers.length) values.push(read());
    return values;
  }

  /** The builder of objects with `keys`: an object literal, so each gets its final shape at once. */
  #build(keys: readonly string[]): Build {
    const name = keys.join("\u0000");
    let build = this.#builds.get(name);
    if (build === undefined) {
      if (this.#builds.size >= MAX_BUILDS) this.#builds.clear();
      // Each key as a JSON string literal (computed for `__proto__`, which a literal would take as the prototype).
      const fields = keys.map((key) =>
        `${key === "__proto__" ? `["__proto__"]` : JSON.stringify(key)}: read()`
      );
      build = new Function("read", `return {${fields.join(", ")}};`) as Build;
      this.#builds.set(name, build);
    }
    return build;
  }
}
