import { describe, expect, it } from 'vitest';
import { deletedBy, movedTo } from '../../renderer/src/format';

describe('what follows an object follows every rename, move and folder move', () => {
  it('a file, and a file inside a moved or renamed folder', () => {
    expect(movedTo('deck/slides.pdf', 'deck/slides.pdf', 'talks/slides.pdf')).toBe('talks/slides.pdf');
    expect(movedTo('deck/2026/slides.pdf', 'deck/', 'archive/deck/')).toBe('archive/deck/2026/slides.pdf');
    expect(movedTo('deck/slides.pdf', 'deck/slides.pd', 'x')).toBeUndefined();
    expect(movedTo('decks/slides.pdf', 'deck/', 'x/')).toBeUndefined();
  });

  it('deleting a folder deletes what is in it', () => {
    expect(deletedBy('deck/2026/slides.pdf', ['other.txt', 'deck/'])).toBe(true);
    expect(deletedBy('deck/slides.pdf', ['deck/slides.pdf'])).toBe(true);
    expect(deletedBy('decks/slides.pdf', ['deck/'])).toBe(false);
  });
});
