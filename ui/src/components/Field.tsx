import { type ReactNode, useId } from 'react';

/** A labelled input with help text and an inline message, wired for screen readers. */
export function Field(props: {
  label: string;
  help?: string | undefined;
  value: string;
  onChange: (value: string) => void;
  onBlur?: () => void;
  type?: 'text' | 'password' | 'url';
  required?: boolean;
  error?: string | null | undefined;
  hint?: ReactNode;
  autoFocus?: boolean;
  placeholder?: string | undefined;
  autoComplete?: string;
  name?: string;
  testId?: string;
  inputType?: 'date';
  /** Several lines of text (a PEM certificate or key): a text area, not masked. */
  multiline?: boolean;
}) {
  const id = useId();
  const helpId = `${id}-help`;
  const msgId = `${id}-msg`;
  const describedBy = [props.help ? helpId : null, props.error || props.hint ? msgId : null]
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.required ? <span className="required" aria-hidden="true"> *</span> : null}
      </label>
      {props.multiline ? (
        <textarea
          id={id}
          name={props.name}
          className="multiline"
          rows={6}
          data-testid={props.testId}
          value={props.value}
          required={props.required}
          aria-invalid={props.error ? true : undefined}
          aria-describedby={describedBy || undefined}
          onChange={(e) => props.onChange(e.target.value)}
          onBlur={props.onBlur}
          autoFocus={props.autoFocus}
          placeholder={props.placeholder}
          autoComplete="off"
          spellCheck={false}
        />
      ) : (
        <input
          id={id}
          name={props.name}
          type={props.inputType ?? props.type ?? 'text'}
          data-testid={props.testId}
          value={props.value}
          required={props.required}
          aria-invalid={props.error ? true : undefined}
          aria-describedby={describedBy || undefined}
          onChange={(e) => props.onChange(e.target.value)}
          onBlur={props.onBlur}
          autoFocus={props.autoFocus}
          placeholder={props.placeholder}
          autoComplete={props.autoComplete ?? 'off'}
          spellCheck={false}
        />
      )}
      {props.help ? (
        <p id={helpId} className="help">
          {props.help}
        </p>
      ) : null}
      {props.error ? (
        <p id={msgId} className="field-error">
          {props.error}
        </p>
      ) : props.hint ? (
        <p id={msgId} className="field-hint">
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}
