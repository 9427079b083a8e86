import { describe, expect, it } from 'vitest';
import { acceptPrefix } from '../../main/core/sharing/sharing';

describe('the type a file request accepts', () => {
  it('is compared as browsers send types: in lower case, whatever case it was given in', () => {
    expect(acceptPrefix('Image/*')).toBe('image/');
    expect(acceptPrefix('APPLICATION/PDF')).toBe('application/pdf');
    expect(acceptPrefix('*/*')).toBeUndefined();
    expect(() => acceptPrefix('images')).toThrow(/is not a file type/);
  });
});
