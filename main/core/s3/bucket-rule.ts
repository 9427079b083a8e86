/** The rule for a new bucket's name, in one wording for the window's hint, its errors and the CLI's (plain text: the window imports it). */
export const BUCKET_NAME_RULE = 'a bucket name is 3 to 63 lower-case letters, digits, dots and hyphens, beginning and ending with a letter or digit';
