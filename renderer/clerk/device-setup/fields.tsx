// The fields of the 设备设置 forms: a label, the control, and under it the
// field's error (red) or a hint. A device section's form (useSectionForm)
// checks inline on 保存 and only then saves.
import { Input, Radio, Switch, type InputProps } from 'antd';
import { useState, type ReactNode } from 'react';
import type { DeviceSettingChange } from '../../../common/device-setup.ts';
import { COMMON_BAUD_RATES, portText, type Checked, type FieldErrors } from './device-setup-logic.ts';
import { useDeviceSetup, useDeviceSetupApi } from './device-setup-store.ts';

export const PORT_LIST_ID = 'device-setup-serial-ports';
const BAUD_LIST_ID = 'device-setup-baud-rates';

/** The serial ports found and the usual baud rates, offered by the port and baud fields. */
export function SerialLists() {
  const ports = useDeviceSetup((s) => s.ports);
  return (
    <>
      <datalist id={PORT_LIST_ID}>
        {ports.map((port) => (
          <option key={port.path} value={port.byIdPath ?? port.path}>
            {portText(port)}
          </option>
        ))}
      </datalist>
      <datalist id={BAUD_LIST_ID}>
        {COMMON_BAUD_RATES.map((rate) => (
          <option key={rate} value={rate} />
        ))}
      </datalist>
    </>
  );
}

/**
 * A device section's form: typing into a field means the window uses the
 * device (「不使用…」 turns off); 保存 checks inline first, then saves.
 */
export function useSectionForm<F extends { enabled: boolean }>(
  initial: () => F,
  check: (form: F) => Checked<DeviceSettingChange>,
) {
  const store = useDeviceSetupApi();
  const [form, setForm] = useState<F>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const edit = (patch: Partial<F>) => setForm((f) => ({ ...f, enabled: true, ...patch }));
  const setEnabled = (enabled: boolean) => setForm((f) => ({ ...f, enabled }));
  const save = () => {
    const checked = check(form);
    if (!checked.ok) return setErrors(checked.errors);
    setErrors({});
    void store.getState().save(checked.change);
  };
  /** A text field's value, error and edit, by the form's key (its errors use the same keys). */
  const bind = (key: TextKey<F>) => ({
    value: form[key] as string,
    error: errors[key],
    onText: (text: string) => edit({ [key]: text } as Partial<F>),
  });
  return { form, setEnabled, errors, edit, bind, save };
}

type TextKey<F> = { [K in keyof F]: F[K] extends string ? K : never }[keyof F] & string;

export function Field({
  label,
  error,
  children,
  hint,
}: {
  label: string;
  error?: string;
  children: ReactNode;
  hint?: ReactNode;
}) {
  return (
    // A div, not a <label>: a click on 「协议」 must not pick the first protocol.
    <div className="setup-field" role="group" aria-label={label}>
      <span className="setup-label">{label}</span>
      <span className="setup-control">
        {children}
        {error ? (
          <span className="setup-error">{error}</span>
        ) : hint ? (
          <span className="setup-hint">{hint}</span>
        ) : null}
      </span>
    </div>
  );
}

type TextInputProps = Omit<InputProps, 'onChange' | 'status'> & {
  error?: string;
  onText: (text: string) => void;
};

/** An Input framed red while its field has an error; `onText` hears the text. */
export function TextInput({ error, onText, ...input }: TextInputProps) {
  return <Input {...input} status={error ? 'error' : undefined} onChange={(e) => onText(e.target.value)} />;
}

/** A field of one text input, with `button` beside it if any. */
export function TextField({
  label,
  hint,
  button,
  ...input
}: TextInputProps & { label: string; hint?: ReactNode; button?: ReactNode }) {
  return (
    <Field label={label} error={input.error} hint={hint}>
      {button ? (
        <span className="setup-inline">
          <TextInput {...input} />
          {button}
        </span>
      ) : (
        <TextInput {...input} />
      )}
    </Field>
  );
}

export function BaudField(props: {
  testid: string;
  value: string;
  error?: string;
  onText: (text: string) => void;
}) {
  return (
    <TextField
      label="波特率"
      error={props.error}
      data-testid={props.testid}
      className="setup-narrow"
      list={BAUD_LIST_ID}
      inputMode="numeric"
      value={props.value}
      onText={props.onText}
    />
  );
}

/** One of a few choices, as a row of buttons. */
export function ChoiceField<V extends string | number>(props: {
  label: string;
  hint?: ReactNode;
  testid: string;
  value: V;
  choices: readonly V[];
  text: Record<V, string>;
  onChoose: (value: V) => void;
}) {
  return (
    <Field label={props.label} hint={props.hint}>
      <Radio.Group
        data-testid={props.testid}
        optionType="button"
        value={props.value}
        options={props.choices.map((value) => ({ value, label: props.text[value] }))}
        onChange={(e) => props.onChoose(e.target.value as V)}
      />
    </Field>
  );
}

export function SwitchField(props: {
  label: string;
  hint?: ReactNode;
  testid: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <Field label={props.label} hint={props.hint}>
      <Switch data-testid={props.testid} checked={props.checked} onChange={props.onChange} />
    </Field>
  );
}

/** 「不使用…」: on while the window does without the device, and `hint` then says how to start. */
export function NotUsedField(props: {
  label: string;
  testid: string;
  hint: string;
  enabled: boolean;
  setEnabled: (enabled: boolean) => void;
}) {
  return (
    <SwitchField
      label={props.label}
      hint={props.enabled ? undefined : props.hint}
      testid={props.testid}
      checked={!props.enabled}
      onChange={(off) => props.setEnabled(!off)}
    />
  );
}
