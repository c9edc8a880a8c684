/**
 * AMQP topic-exchange matching: `pattern` and `key` are words separated by `.`; in the pattern,
 * `*` stands for exactly one word and `#` for zero or more words. Every other word matches
 * itself literally (no regular-expression meaning).
 */
export function topicMatches(pattern: string, key: string): boolean {
  const words = key.split('.');
  // reachable[j]: the pattern words seen so far can consume exactly the first j key words.
  let reachable = Array.from({ length: words.length + 1 }, (_, j) => j === 0);
  for (const part of pattern.split('.')) {
    const next = new Array<boolean>(words.length + 1).fill(false);
    if (part === '#') {
      let seen = false;
      for (let j = 0; j <= words.length; j++) {
        seen ||= reachable[j] === true;
        next[j] = seen;
      }
    } else {
      for (let j = 0; j < words.length; j++) {
        if (reachable[j] === true && (part === '*' || part === words[j])) next[j + 1] = true;
      }
    }
    reachable = next;
  }
  return reachable[words.length] === true;
}
