import { safeText } from '../../../preload/shared';

/**
 * A long name cut in the middle, so both its start and its end (the extension, a date, a
 * number) stay visible: "holiday-photos-…-0042.jpg". The full name is the hover text and what a
 * screen reader says. Control and bidi characters are shown as escapes, and the name is isolated
 * from the text around it, so no name can reorder or disguise what is shown.
 */
export function MiddleName({ name: raw, className = '' }: { name: string; className?: string }) {
  const name = safeText(raw);
  const tail = name.length > 24 ? name.slice(-10) : '';
  const head = tail ? name.slice(0, -10) : name;
  return (
    <span className={`middle-name ${className}`} title={name}>
      <span className="sr-only">{name}</span>
      <span className="head" aria-hidden>
        {head}
      </span>
      {tail && (
        <span className="tail" aria-hidden>
          {tail}
        </span>
      )}
    </span>
  );
}
