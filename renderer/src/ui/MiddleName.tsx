/**
 * A long name cut in the middle, so both its start and its end (the extension, a date, a
 * number) stay visible: "holiday-photos-…-0042.jpg". The full name is the hover text and what a
 * screen reader says.
 */
export function MiddleName({ name, className = '' }: { name: string; className?: string }) {
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
